/**
 * The binary versions of CIFAR-10 and CIFAR-100 (Krizhevsky, 2009;
 * https://www.cs.toronto.edu/~kriz/cifar.html): fixed-size records of label byte(s) followed by
 * 3072 pixel bytes, channel-major (1024 red, 1024 green, 1024 blue, each row-major 32×32).
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export type CifarVariant = 'cifar10' | 'cifar100';
export type CifarLabels = 'fine' | 'coarse';

export const SIDE = 32;
export const CHANNELS = 3;
export const PIXEL_BYTES = SIDE * SIDE * CHANNELS;

export interface CifarFile {
  readonly name: string;
  /** Records in the official file. */
  readonly records: number;
}

export interface CifarLayout {
  readonly title: string;
  /** Folder name inside the official archive, tried below `path`. */
  readonly archiveFolder: string;
  readonly archiveName: string;
  readonly labelBytes: number;
  readonly train: readonly CifarFile[];
  readonly test: readonly CifarFile[];
}

export const LAYOUTS: Record<CifarVariant, CifarLayout> = {
  cifar10: {
    title: 'CIFAR-10',
    archiveFolder: 'cifar-10-batches-bin',
    archiveName: 'cifar-10-binary.tar.gz',
    labelBytes: 1,
    train: [1, 2, 3, 4, 5].map((i) => ({ name: `data_batch_${i}.bin`, records: 10000 })),
    test: [{ name: 'test_batch.bin', records: 10000 }],
  },
  cifar100: {
    title: 'CIFAR-100',
    archiveFolder: 'cifar-100-binary',
    archiveName: 'cifar-100-binary.tar.gz',
    labelBytes: 2,
    train: [{ name: 'train.bin', records: 50000 }],
    test: [{ name: 'test.bin', records: 10000 }],
  },
};

export function recordBytes(layout: CifarLayout): number {
  return layout.labelBytes + PIXEL_BYTES;
}

export function classCount(variant: CifarVariant, labels: CifarLabels): number {
  if (variant === 'cifar10') return 10;
  return labels === 'coarse' ? 20 : 100;
}

const fmt = (n: number) => n.toLocaleString('en-US');

function expectedSize(layout: CifarLayout, file: CifarFile): string {
  const r = recordBytes(layout);
  return `${fmt(file.records * r)} bytes (${fmt(file.records)} records of ${fmt(r)} bytes)`;
}

/**
 * The folder holding the files: `path` itself, or the archive's folder inside it
 * (`cifar-10-batches-bin`, `cifar-100-binary`). Throws naming the first missing file.
 */
export function locateFolder(path: string, layout: CifarLayout): string {
  const first = layout.train[0]!.name;
  for (const dir of [path, join(path, layout.archiveFolder)]) {
    if (existsSync(join(dir, first))) return dir;
  }
  const file = layout.train[0]!;
  throw new Error(
    `${layout.title} file not found: ${join(path, file.name)} (nor in ${join(path, layout.archiveFolder)}); ` +
      `expected ${expectedSize(layout, file)}. Point 'path' at the folder of the binary version ` +
      `(${layout.archiveName}, unpacked); naslab never downloads it.`,
  );
}

/**
 * Record count of each file, checking that it exists and has the official size (`strict`) or a
 * whole number of records (not strict: subsets, test fixtures).
 */
export function checkFiles(dir: string, layout: CifarLayout, files: readonly CifarFile[], strict: boolean): number[] {
  const r = recordBytes(layout);
  return files.map((file) => {
    const full = join(dir, file.name);
    let size: number;
    try {
      size = statSync(full).size;
    } catch {
      throw new Error(`${layout.title} file not found: ${full}; expected ${expectedSize(layout, file)}.`);
    }
    if (strict ? size !== file.records * r : size === 0 || size % r !== 0) {
      throw new Error(
        `${layout.title} file ${full} has ${fmt(size)} bytes, expected ${expectedSize(layout, file)}` +
          (strict ? '' : ' or another whole number of records') +
          '; it is truncated or not the binary version.',
      );
    }
    return size / r;
  });
}

/**
 * Every record's label byte(s) in range (CIFAR-100: coarse below 20 and fine below 100), read in
 * chunks without decoding the pixels; throws naming the file and the record.
 */
export function checkLabels(dir: string, layout: CifarLayout, files: readonly CifarFile[]): void {
  const r = recordBytes(layout);
  const limits = layout.labelBytes === 2 ? [20, 100] : [10];
  const names = layout.labelBytes === 2 ? ['coarse', 'fine'] : ['label'];
  const chunk = Buffer.alloc(r * 1024);
  for (const file of files) {
    const full = join(dir, file.name);
    const fd = openSync(full, 'r');
    try {
      for (let record = 0; ; ) {
        const got = readSync(fd, chunk, 0, chunk.length, record * r);
        if (got < r) break;
        for (let k = 0; k + r <= got; k += r, record++) {
          for (let b = 0; b < limits.length; b++) {
            const v = chunk[k + b]!;
            if (v >= limits[b]!) throw new Error(`${layout.title} file ${full}, record ${record} (byte ${record * r + b}): ${names[b]} ${v} is not below ${limits[b]}; the file is corrupt or not the binary version`);
          }
        }
      }
    } finally {
      closeSync(fd);
    }
  }
}

export interface DecodedSet {
  /** NHWC, 0–255. */
  readonly pixels: Uint8Array;
  readonly labels: Uint8Array;
}

/**
 * Reads and decodes `files` (with their record counts from `checkFiles`) into one NHWC set.
 * CIFAR-100 records carry (coarse, fine); `labels` picks one.
 */
export async function readRecords(
  dir: string,
  layout: CifarLayout,
  files: readonly CifarFile[],
  counts: readonly number[],
  labels: CifarLabels,
  classes: number,
): Promise<DecodedSet> {
  const total = counts.reduce((a, b) => a + b, 0);
  const pixels = new Uint8Array(total * PIXEL_BYTES);
  const out = new Uint8Array(total);
  const r = recordBytes(layout);
  const labelOffset = layout.labelBytes === 2 && labels === 'fine' ? 1 : 0;
  const plane = SIDE * SIDE;
  let n = 0;
  for (let f = 0; f < files.length; f++) {
    const full = join(dir, files[f]!.name);
    const bytes = new Uint8Array(await readFile(full));
    if (bytes.length !== counts[f]! * r) throw new Error(`${layout.title} file ${full} changed size while reading`);
    for (let k = 0; k < counts[f]!; k++, n++) {
      const base = k * r;
      const label = bytes[base + labelOffset]!;
      if (label >= classes) {
        throw new Error(`${layout.title} file ${full}, record ${k}: ${labels} label ${label} is not below ${classes}`);
      }
      out[n] = label;
      const src = base + layout.labelBytes;
      const dst = n * PIXEL_BYTES;
      // CHW → HWC
      for (let p = 0; p < plane; p++) {
        pixels[dst + p * 3] = bytes[src + p]!;
        pixels[dst + p * 3 + 1] = bytes[src + plane + p]!;
        pixels[dst + p * 3 + 2] = bytes[src + 2 * plane + p]!;
      }
    }
  }
  return { pixels, labels: out };
}

/**
 * Indices of a class-balanced subset of `size` images, in file order: per class the first
 * ⌊size/classes⌋ images (the first `size mod classes` classes one more).
 */
export function balancedPrefix(labels: Uint8Array, size: number, classes: number): Int32Array {
  const quota = new Int32Array(classes).fill(Math.floor(size / classes));
  for (let c = 0; c < size % classes; c++) quota[c]++;
  const kept = new Int32Array(size);
  let n = 0;
  for (let i = 0; i < labels.length && n < size; i++) {
    const c = labels[i]!;
    if (quota[c] > 0) {
      quota[c]--;
      kept[n++] = i;
    }
  }
  if (n < size) throw new Error(`only ${n} images available for a class-balanced subset of ${size}`);
  return kept;
}
