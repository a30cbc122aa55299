/**
 * The image lists of a dataset: the paper's split CSVs (antoyang/NAS-Benchmark `data/*.csv`: one
 * row per class, the class folder then its file names; the train CSVs of MIT67 and Flowers102
 * have a leading index column), or, without lists, the class folders of `root/<split>/`. Either
 * way every image is checked against the folder: a listed file that is missing, a class folder no
 * list names and an image no list names are errors naming the list, line and file.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';

export type Variant = 'sport8' | 'mit67' | 'flowers102' | 'folder';

export interface VariantLayout {
  readonly title: string;
  readonly classes: number;
  /** Split CSVs, in the order their rows are read. */
  readonly trainLists: readonly string[];
  readonly testLists: readonly string[];
  /** Images the lists hold (a check that the right lists were given). */
  readonly trainImages: number;
  readonly testImages: number;
}

/** The paper's three 224-px datasets, with the file names of the reference repository's lists. */
export const VARIANTS: Readonly<Record<Exclude<Variant, 'folder'>, VariantLayout>> = {
  sport8: { title: 'Sport8', classes: 8, trainLists: ['Sport8_train.csv'], testLists: ['Sport8_test.csv'], trainImages: 1261, testImages: 318 },
  mit67: {
    title: 'MIT67',
    classes: 67,
    trainLists: ['MIT67_train1.csv', 'MIT67_train2.csv', 'MIT67_train3.csv', 'MIT67_train4.csv'],
    testLists: ['MIT67_test.csv'],
    trainImages: 12466,
    testImages: 3153,
  },
  flowers102: {
    title: 'Flowers102',
    classes: 102,
    trainLists: ['flowers102_train1.csv', 'flowers102_train2.csv'],
    testLists: ['flowers102_test.csv'],
    trainImages: 6507,
    testImages: 1682,
  },
};

/** File extensions read as images (torchvision's `IMG_EXTENSIONS` that libvips decodes). */
export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp', '.tif', '.tiff'] as const;
/** Other image extensions torchvision would read: refused by name rather than skipped. */
const OTHER_IMAGE_EXTENSIONS = ['.bmp', '.ppm', '.pgm', '.gif'];

export type SplitName = 'train' | 'test';

/** One image: where it is and where it was listed. */
export interface ListedImage {
  /** Path relative to the dataset root: `<split>/<class>/<file>`. */
  readonly file: string;
  readonly label: number;
  /** `Sport8_test.csv:5` (list and 1-based line), or the folder for unlisted datasets. */
  readonly where: string;
}

export interface ImageLists {
  /** Class folder names, sorted (torchvision `ImageFolder` labels: the index in this list). */
  readonly classes: readonly string[];
  readonly train: readonly ListedImage[];
  readonly test: readonly ListedImage[];
  /** The list files read (for the data identity). */
  readonly listFiles: readonly string[];
}

export class ImageListError extends Error {
  override readonly name = 'ImageListError';
}

interface ListRow {
  readonly className: string;
  readonly files: readonly string[];
  readonly line: number;
}

/**
 * Rows of one split CSV. The header names the file columns `0, 1, …`; the cells before the
 * column `0` are the index (if any) and the class, the class last.
 */
export function parseSplitList(text: string, listName: string): ListRow[] {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').split(',');
  const firstFile = header.indexOf('0');
  if (firstFile < 1) throw new ImageListError(`${listName}:1: the header has no file column '0' after the class column (is this a split list?)`);
  const rows: ListRow[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const cells = line.split(',');
    const className = cells[firstFile - 1] ?? '';
    if (className === '') throw new ImageListError(`${listName}:${i + 1}: the class cell (column ${firstFile}) is empty`);
    if (className.includes('/') || className === '.' || className === '..') throw new ImageListError(`${listName}:${i + 1}: class '${className}' is not a folder name`);
    const files = cells.slice(firstFile).filter((c) => c !== '');
    for (const f of files) {
      if (f.includes('/') || f === '.' || f === '..') throw new ImageListError(`${listName}:${i + 1}: '${f}' is not a file name`);
    }
    rows.push({ className, files, line: i + 1 });
  }
  return rows;
}

function isImageName(name: string): boolean {
  const lower = name.toLowerCase();
  return IMAGE_EXTENSIONS.some((e) => lower.endsWith(e));
}

function isOtherImage(name: string): boolean {
  const lower = name.toLowerCase();
  return OTHER_IMAGE_EXTENSIONS.some((e) => lower.endsWith(e));
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).filter((n) => !n.startsWith('.'));
  } catch (e) {
    throw new ImageListError(`cannot read the folder ${dir}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** Class folders of `root/<split>` and their image files (hidden files and non-images ignored). */
function scanSplit(root: string, split: SplitName): Map<string, string[]> {
  const dir = join(root, split);
  if (!isDir(dir)) throw new ImageListError(`the dataset folder has no '${split}' folder: ${dir} (expected ${split}/<class>/<image>)`);
  const out = new Map<string, string[]>();
  for (const name of listDir(dir).sort()) {
    const full = join(dir, name);
    if (!isDir(full)) continue;
    const files = listDir(full).filter((f) => {
      if (isOtherImage(f)) throw new ImageListError(`${join(full, f)}: unsupported image format (use JPEG, PNG, WebP or TIFF)`);
      return isImageName(f);
    });
    out.set(name, files.sort());
  }
  return out;
}

/** Code-point order, as Python's `sorted` (torchvision `ImageFolder` class order). */
function codePointSort(names: Iterable<string>): string[] {
  return [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The lists of a variant read from `splitsDir`, checked against `root/train` and `root/test`.
 * Images are in class order, then list order.
 */
export function readVariantLists(root: string, splitsDir: string, variant: Exclude<Variant, 'folder'>): ImageLists {
  const layout = VARIANTS[variant];
  const parsed = new Map<SplitName, Array<ListRow & { list: string }>>();
  const listFiles: string[] = [];
  for (const split of ['train', 'test'] as const) {
    const rows: Array<ListRow & { list: string }> = [];
    for (const list of split === 'train' ? layout.trainLists : layout.testLists) {
      const full = join(splitsDir, list);
      if (!existsSync(full)) {
        throw new ImageListError(`${layout.title} split list not found: ${full} (the 'splits' folder holds the reference lists ${[...layout.trainLists, ...layout.testLists].join(', ')})`);
      }
      listFiles.push(full);
      for (const row of parseSplitList(readFileSync(full, 'utf8'), list)) rows.push({ ...row, list });
    }
    parsed.set(split, rows);
  }
  const classes = codePointSort(new Set(parsed.get('train')!.map((r) => r.className)));
  const testOnly = parsed.get('test')!.filter((r) => !classes.includes(r.className));
  if (testOnly.length > 0) {
    const r = testOnly[0]!;
    throw new ImageListError(`${r.list}:${r.line}: class '${r.className}' has test images but no training images in ${layout.trainLists.join(', ')}`);
  }
  if (classes.length !== layout.classes) {
    throw new ImageListError(`${layout.trainLists.join(', ')}: ${classes.length} classes, ${layout.title} has ${layout.classes}`);
  }
  const result: Record<SplitName, ListedImage[]> = { train: [], test: [] };
  for (const split of ['train', 'test'] as const) {
    const folder = scanSplit(root, split);
    const listed = new Map<string, { list: string; line: number }>();
    for (const row of parsed.get(split)!) {
      for (const f of row.files) {
        const rel = `${row.className}/${f}`;
        const before = listed.get(rel);
        if (before) throw new ImageListError(`${row.list}:${row.line}: ${rel} is listed twice (also ${before.list}:${before.line})`);
        listed.set(rel, { list: row.list, line: row.line });
      }
    }
    for (const name of folder.keys()) {
      if (!classes.includes(name)) {
        throw new ImageListError(`${join(root, split, name)}: class folder '${name}' is not named by the ${layout.title} lists (${(split === 'train' ? layout.trainLists : layout.testLists).join(', ')})`);
      }
    }
    const present = new Set<string>();
    for (const [name, files] of folder) for (const f of files) present.add(`${name}/${f}`);
    for (const [rel, at] of listed) {
      if (!present.has(rel)) {
        const file = basename(rel);
        const elsewhere = [...present].find((p) => basename(p) === file);
        throw new ImageListError(
          `${at.list}:${at.line}: ${rel} is listed but ${join(root, split, rel)} does not exist` + (elsewhere ? ` (a file of that name is in ${split}/${elsewhere})` : ''),
        );
      }
    }
    for (const rel of present) {
      if (!listed.has(rel)) throw new ImageListError(`${join(root, split, rel)} is in the folder but in none of the ${layout.title} ${split} lists; remove it or fix the lists`);
    }
    // Class order, then list order within a class.
    const byClass = classes.map(() => [] as ListedImage[]);
    for (const row of parsed.get(split)!) {
      const label = classes.indexOf(row.className);
      for (const f of row.files) byClass[label]!.push({ file: `${split}/${row.className}/${f}`, label, where: `${row.list}:${row.line}` });
    }
    result[split] = byClass.flat();
  }
  const expected = { train: layout.trainImages, test: layout.testImages };
  for (const split of ['train', 'test'] as const) {
    if (result[split].length !== expected[split]) {
      throw new ImageListError(`${layout.title} ${split} lists hold ${result[split].length} images, the reference lists ${expected[split]}`);
    }
  }
  return { classes, train: result.train, test: result.test, listFiles };
}

/** Lists of a dataset without split CSVs: every image of `root/train/<class>` and `root/test/<class>`. */
export function readFolderLists(root: string): ImageLists {
  const train = scanSplit(root, 'train');
  const test = scanSplit(root, 'test');
  const classes = codePointSort(train.keys());
  if (classes.length < 2) throw new ImageListError(`${join(root, 'train')}: ${classes.length} class folder(s); a classification dataset needs at least 2`);
  for (const name of test.keys()) {
    if (!train.has(name)) throw new ImageListError(`${join(root, 'test', name)}: class folder '${name}' has no training folder ${join(root, 'train', name)}`);
  }
  const images = (split: SplitName, folder: Map<string, string[]>): ListedImage[] =>
    classes.flatMap((c, label) => (folder.get(c) ?? []).map((f) => ({ file: `${split}/${c}/${f}`, label, where: join(root, split, c) })));
  for (const [split, folder] of [['train', train], ['test', test]] as const) {
    for (const [c, files] of folder) if (files.length === 0) throw new ImageListError(`${join(root, split, c)}: class folder with no images`);
  }
  return { classes, train: images('train', train), test: images('test', test), listFiles: [] };
}
