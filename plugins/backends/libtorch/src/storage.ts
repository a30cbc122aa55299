// Device-resident tensor storage. A tensor a native kernel produced lives in an ATen tensor (CPU or
// CUDA) that the addon owns; the backend's storage entry holds its handle, and its JS values exist
// only once something reads them: a JS kernel, dataSync()/data(), a checkpoint. Tensors written from
// JS (tf.tensor(), JS kernels' outputs) keep their Float32Array; on a CUDA device the first native
// kernel that needs one uploads it once and caches the handle in the entry. tfjs' reference counting
// decides when an entry goes, and disposeData() then releases its handle, so device memory is freed
// at once, not when the garbage collector runs.
import type { backend_util, DataType, TensorInfo } from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

import type { Handle, NativeAddon } from './native.js';


/** What a storage entry of this backend holds: the cpu backend's fields, and the handle when there is one. */
export interface StoredData {
  values?: backend_util.BackendValues;
  dtype: DataType;
  refCount: number;
  /** The device copy: the only copy for native outputs not read yet, a cache for JS-written ones. */
  handle?: Handle;
}

/** A native kernel's output. Its values are read from the device on first access. */
export class DeviceData implements StoredData {
  readonly dtype = 'float32' as const;
  refCount = 1;
  private cached: Float32Array | undefined;

  constructor(
    public handle: Handle | undefined,
    private readonly addon: NativeAddon,
    /**
     * Keep the device copy after a read (CUDA: the next native kernel runs on it without an
     * upload). On the CPU the read copy replaces it, so one copy exists.
     */
    private readonly keepOnRead: boolean,
  ) {}

  get values(): Float32Array {
    if (this.cached === undefined) {
      this.cached = this.addon.read(this.handle!);
      if (!this.keepOnRead) releaseEntry(this, this.addon);
    }
    return this.cached;
  }

  set values(v: Float32Array) {
    this.cached = v;
    releaseEntry(this, this.addon);
  }
}

/** What native kernels get for a tensor: its handle, else its JS Float32Array. */
export type NativeInput = Float32Array | Handle;

/**
 * The native argument for `t`, or null when it is not float32 data (the kernel falls back to JS).
 * On a CUDA device JS data is uploaded once and the handle kept in the entry.
 */
export function nativeInput(backend: MathBackendCPU, t: TensorInfo | undefined | null, addon: NativeAddon, upload: boolean): NativeInput | null {
  if (t == null || t.dtype !== 'float32') return null;
  const d = backend.data.get(t.dataId) as StoredData | undefined;
  if (d === undefined) return null;
  if (d.handle !== undefined) return d.handle;
  const v = d.values;
  if (!(v instanceof Float32Array)) return null;
  if (!upload) return v;
  d.handle = addon.upload(v);
  return d.handle;
}

/** The handle of `t`'s entry, if its data is on the device. */
export function handleOf(backend: MathBackendCPU, t: TensorInfo): Handle | undefined {
  return (backend.data.get(t.dataId) as StoredData | undefined)?.handle;
}

/** A tensor whose data is `handle` (a native output). */
export function writeHandle(backend: MathBackendCPU, handle: Handle, shape: number[], addon: NativeAddon, keepOnRead: boolean): TensorInfo {
  // The cpu backend numbers its dataIds itself (a private counter shared with its own writes).
  const dataId = { id: (backend as unknown as { nextDataId(): number }).nextDataId() };
  backend.data.set(dataId, new DeviceData(handle, addon, keepOnRead) as unknown as ReturnType<typeof backend.data.get>);
  return { dataId, shape, dtype: 'float32' };
}

/** Frees an entry's device copy: when it leaves the storage, or when its JS values replace it. */
export function releaseEntry(entry: StoredData | undefined, addon: NativeAddon): void {
  if (entry?.handle === undefined) return;
  addon.release(entry.handle);
  entry.handle = undefined;
}
