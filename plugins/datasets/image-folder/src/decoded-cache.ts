/**
 * Decoding (libvips through `sharp`) and the decoded-image cache: every image of a dataset is
 * decoded once into one file of 8-bit RGB pixels (`pixels.bin`, images back to back at their own
 * size) with an index (`index.json`: offset, width, height per image). Epochs read images from
 * it at their offsets, so an epoch neither decodes a JPEG nor holds the dataset in memory.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import type { RgbImage } from './transforms.js';
import type { ListedImage } from './splits.js';

export interface DecodeOptions {
  /** Images with a shorter side below this are refused (a 1×1 file is not a photograph). */
  readonly minSide: number;
  /** `replicate`: a grey image becomes RGB as PIL's `convert('RGB')` does; `error`: refused. */
  readonly grayscale: 'replicate' | 'error';
}

export class ImageDecodeError extends Error {
  override readonly name = 'ImageDecodeError';
}

type Sharp = typeof import('sharp').default;
let sharpModule: Promise<Sharp> | undefined;
/** `sharp` loads its native library on first use only (creating the plugin stays cheap). */
export function loadSharp(): Promise<Sharp> {
  sharpModule ??= import('sharp').then((m) => m.default);
  return sharpModule;
}

function describe(img: ListedImage, path: string): string {
  return `${path} (${img.where})`;
}

/**
 * Header checks that need no decoding: format, colour space, size. Cheap enough for `validate`
 * (libvips reads the header only).
 */
export async function checkHeader(path: string, img: ListedImage, o: DecodeOptions): Promise<{ width: number; height: number }> {
  const sharp = await loadSharp();
  let meta: Awaited<ReturnType<ReturnType<Sharp>['metadata']>>;
  try {
    meta = await sharp(path).metadata();
  } catch (e) {
    throw new ImageDecodeError(`${describe(img, path)}: not a readable image: ${firstLine(e)}`);
  }
  const { width = 0, height = 0 } = meta;
  if (!['jpeg', 'png', 'webp', 'tiff'].includes(meta.format ?? '')) throw new ImageDecodeError(`${describe(img, path)}: unsupported format '${meta.format}' (use JPEG, PNG, WebP or TIFF)`);
  if (meta.space === 'cmyk') {
    throw new ImageDecodeError(`${describe(img, path)}: a CMYK image; convert it to RGB first (libvips and PIL convert CMYK differently, so it is refused rather than guessed)`);
  }
  if (meta.depth !== undefined && meta.depth !== 'uchar') throw new ImageDecodeError(`${describe(img, path)}: ${meta.depth} samples; only 8-bit images are read`);
  const grey = meta.space === 'b-w' || meta.space === 'grey16' || (meta.channels ?? 3) <= 2;
  if (grey && o.grayscale === 'error') throw new ImageDecodeError(`${describe(img, path)}: a grayscale image (option grayscale: 'replicate' reads it as RGB, as PIL's convert('RGB'))`);
  if (Math.min(width, height) < o.minSide) {
    throw new ImageDecodeError(`${describe(img, path)}: ${width}×${height} px, below the minimum side of ${o.minSide} px (option minSide)`);
  }
  return { width, height };
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
}

/** Decode one image to 8-bit RGB (alpha dropped, grey replicated), after the header checks. */
export async function decodeImage(path: string, img: ListedImage, o: DecodeOptions): Promise<RgbImage> {
  await checkHeader(path, img, o);
  const sharp = await loadSharp();
  let out: { data: Buffer; info: { width: number; height: number; channels: number } };
  try {
    // failOn 'warning': a truncated or corrupt file is an error, never a partly grey image.
    out = await sharp(path, { failOn: 'warning' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  } catch (e) {
    throw new ImageDecodeError(`${describe(img, path)}: cannot decode: ${firstLine(e)} (truncated or corrupt?)`);
  }
  const { width, height, channels } = out.info;
  const n = width * height;
  const data = new Uint8Array(n * 3);
  if (channels === 3) data.set(out.data);
  else if (channels === 1) for (let p = 0; p < n; p++) data[p * 3] = data[p * 3 + 1] = data[p * 3 + 2] = out.data[p]!;
  else throw new ImageDecodeError(`${describe(img, path)}: decoded to ${channels} channels`);
  return { width, height, data };
}

export interface CacheEntry {
  readonly offset: number;
  readonly width: number;
  readonly height: number;
}

export interface CacheIndex {
  readonly version: 1;
  readonly key: string;
  readonly files: readonly string[];
  readonly entries: readonly CacheEntry[];
}

/**
 * Key of a cache: the images (relative path, size, modification time) and the decode options;
 * a changed file or option builds another cache.
 */
export function cacheKey(root: string, images: readonly ListedImage[], o: DecodeOptions): string {
  const h = createHash('sha256');
  h.update(`naslab-image-folder-cache/1\n${JSON.stringify(o)}\n`);
  for (const img of images) {
    const s = statSync(join(root, img.file));
    h.update(`${img.file}\t${s.size}\t${Math.trunc(s.mtimeMs)}\n`);
  }
  return h.digest('hex').slice(0, 20);
}

export interface BuildProgress {
  (done: number, total: number): void;
}

/**
 * The cache folder of these images, built if absent (decoding `concurrency` images at a time;
 * libvips uses its own threads). Built under a temporary name and renamed when complete, so a
 * killed build leaves no half cache and concurrent builders agree.
 */
export async function ensureCache(
  root: string,
  images: readonly ListedImage[],
  cacheRoot: string,
  o: DecodeOptions,
  options: { concurrency?: number; progress?: BuildProgress; signal?: AbortSignal } = {},
): Promise<string> {
  const key = cacheKey(root, images, o);
  const dir = join(cacheRoot, key);
  if (existsSync(join(dir, 'index.json'))) return dir;
  mkdirSync(cacheRoot, { recursive: true });
  const tmp = join(cacheRoot, `${key}.building-${process.pid}-${Date.now()}`);
  mkdirSync(tmp, { recursive: true });
  const fd = openSync(join(tmp, 'pixels.bin'), 'w');
  const entries: CacheEntry[] = new Array(images.length);
  try {
    const concurrency = Math.max(1, options.concurrency ?? 4);
    let offset = 0;
    // Decode ahead in a window, write in order.
    const pending = new Map<number, Promise<RgbImage>>();
    let next = 0;
    const start = () => {
      while (next < images.length && pending.size < concurrency) {
        const i = next++;
        const decoding = decodeImage(join(root, images[i]!.file), images[i]!, o);
        // Handled when its turn comes; marked here so a failure decoded ahead is not "unhandled".
        decoding.catch(() => undefined);
        pending.set(i, decoding);
      }
    };
    start();
    for (let i = 0; i < images.length; i++) {
      if (options.signal?.aborted) throw options.signal.reason ?? new Error('aborted');
      const img = await pending.get(i)!;
      pending.delete(i);
      start();
      writeSync(fd, img.data, 0, img.data.length, offset);
      entries[i] = { offset, width: img.width, height: img.height };
      offset += img.data.length;
      options.progress?.(i + 1, images.length);
    }
    // Let failures of images decoded ahead surface (or settle) before closing.
    await Promise.allSettled(pending.values());
  } catch (e) {
    closeSync(fd);
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  closeSync(fd);
  const index: CacheIndex = { version: 1, key, files: images.map((i) => i.file), entries };
  writeFileSync(join(tmp, 'index.json'), JSON.stringify(index));
  try {
    renameSync(tmp, dir);
  } catch (e) {
    // Another builder finished first: its cache holds the same images.
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(join(dir, 'index.json'))) throw e;
  }
  return dir;
}

/** Reads images of a built cache by their position in its index (one `pread` each). */
export class CacheReader {
  private fd: number | undefined;
  readonly entries: readonly CacheEntry[];

  constructor(readonly dir: string) {
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as CacheIndex;
    this.entries = index.entries;
    this.fd = openSync(join(dir, 'pixels.bin'), 'r');
  }

  read(i: number): RgbImage {
    const e = this.entries[i];
    if (!e) throw new RangeError(`image ${i} is not in the cache ${this.dir}`);
    if (this.fd === undefined) throw new Error('cache reader closed');
    const data = new Uint8Array(e.width * e.height * 3);
    let got = 0;
    while (got < data.length) {
      const n = readSync(this.fd, data, got, data.length - got, e.offset + got);
      if (n === 0) throw new Error(`the cache ${this.dir} is truncated at image ${i}`);
      got += n;
    }
    return { width: e.width, height: e.height, data };
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
