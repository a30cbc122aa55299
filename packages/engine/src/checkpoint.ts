import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { EpochMetrics, Json, RngState } from '@naslab/core';

export interface TensorEntry {
  readonly name: string;
  readonly shape: readonly number[];
  /** Offset in float32 elements into the data file. */
  readonly offset: number;
  readonly length: number;
}

export interface CheckpointMeta {
  readonly format: 'naslab-checkpoint/1';
  /** Epochs completed; training resumes at this (0-based) epoch. */
  readonly epoch: number;
  readonly metrics: readonly EpochMetrics[];
  readonly rng: RngState;
  readonly backend: string;
  /** What was trained, to refuse resuming a different job from the same folder. */
  readonly fingerprint: string;
  readonly dataFile: string;
  readonly tensors: readonly TensorEntry[];
  readonly extra?: Json;
}

export const CHECKPOINT_FILE = 'checkpoint.json';

async function writeAtomic(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
}

/**
 * Write the tensors (float32) and metadata. The data file is written and renamed first, then
 * the metadata that points at it, so a crash at any moment leaves the previous checkpoint or
 * the new one, never a mix.
 */
export async function saveCheckpoint(
  dir: string,
  meta: Omit<CheckpointMeta, 'format' | 'dataFile' | 'tensors'>,
  tensors: ReadonlyArray<{ name: string; shape: readonly number[]; values: Float32Array }>,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const total = tensors.reduce((n, t) => n + t.values.length, 0);
  const data = new Float32Array(total);
  const entries: TensorEntry[] = [];
  let offset = 0;
  for (const t of tensors) {
    data.set(t.values, offset);
    entries.push({ name: t.name, shape: [...t.shape], offset, length: t.values.length });
    offset += t.values.length;
  }
  const previous = await readCheckpointMeta(dir);
  const dataFile = `epoch-${meta.epoch}.bin`;
  await writeAtomic(join(dir, dataFile), new Uint8Array(data.buffer));
  const full: CheckpointMeta = { format: 'naslab-checkpoint/1', ...meta, dataFile, tensors: entries };
  await writeAtomic(join(dir, CHECKPOINT_FILE), JSON.stringify(full));
  if (previous && previous.dataFile !== dataFile) await rm(join(dir, previous.dataFile), { force: true });
}

export async function readCheckpointMeta(dir: string): Promise<CheckpointMeta | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, CHECKPOINT_FILE), 'utf8');
  } catch {
    return undefined;
  }
  const meta = JSON.parse(text) as CheckpointMeta;
  if (meta.format !== 'naslab-checkpoint/1') throw new Error(`${dir}: unknown checkpoint format ${String(meta.format)}`);
  return meta;
}

/** The last checkpoint in `dir`, or undefined when there is none. */
export async function loadCheckpoint(
  dir: string,
): Promise<{ meta: CheckpointMeta; tensors: Map<string, { shape: readonly number[]; values: Float32Array }> } | undefined> {
  const meta = await readCheckpointMeta(dir);
  if (!meta) return undefined;
  const bytes = await readFile(join(dir, meta.dataFile));
  const data = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const tensors = new Map<string, { shape: readonly number[]; values: Float32Array }>();
  for (const e of meta.tensors) tensors.set(e.name, { shape: e.shape, values: data.subarray(e.offset, e.offset + e.length) });
  return { meta, tensors };
}

