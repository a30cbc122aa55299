/**
 * experiments/paper-benchmark.yaml validates and plans: the paper's benchmark as one manifest.
 * Its data folders are stand-ins written here: CIFAR binary files of the official sizes (sparse,
 * zeros) and the three 224-px datasets as the paper's split lists name them (one small JPEG,
 * hard-linked under every listed name), so planning reads the real lists. The copy of the
 * manifest turns off `checkImages` (decoding 25,000 headers of one test image takes minutes on 2
 * cores and proves nothing more; the dataset package tests that check).
 */
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, readdirSync, ftruncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { naslab, repoRoot, tempDir } from './helpers/cli.js';

const splits = join(repoRoot, '..', 'shared', 'seed-data', 'nas-benchmark', 'splits');
const manifestText = readFileSync(join(repoRoot, 'experiments', 'paper-benchmark.yaml'), 'utf8');

/** `[class, file names]` rows of a split list: the header's column '0' is the first file column. */
function listRows(file: string): [string, string[]][] {
  const lines = readFileSync(file, 'utf8').split(/\r?\n/);
  const first = lines[0]!.split(',').indexOf('0');
  return lines
    .slice(1)
    .filter((l) => l.trim())
    .map((l) => {
      const cells = l.split(',');
      return [cells[first - 1]!, cells.slice(first).filter((c) => c.trim())];
    });
}

function sparseFile(path: string, bytes: number) {
  const fd = openSync(path, 'w');
  ftruncateSync(fd, bytes);
  closeSync(fd);
}

interface PlannedJob {
  id: string;
  kind: 'search' | 'train' | 'evaluate';
  parents: string[];
  dataset: string;
  method: string;
  seed: number;
  protocol: string | null;
  spec: { protocol?: { cells: number; channels: number; epochs: number }; tricks?: { package: string }[] };
}

describe('experiments/paper-benchmark.yaml', { timeout: 300_000 }, () => {
  const dir = tempDir('naslab-paper-benchmark-');
  beforeAll(async () => {
    const data = join(dir, 'data');
    const record = 3073; // CIFAR-10: label + 32·32·3; CIFAR-100: coarse + fine label + pixels
    mkdirSync(join(data, 'cifar-10'), { recursive: true });
    for (const f of ['data_batch_1', 'data_batch_2', 'data_batch_3', 'data_batch_4', 'data_batch_5', 'test_batch']) {
      sparseFile(join(data, 'cifar-10', `${f}.bin`), 10_000 * record);
    }
    mkdirSync(join(data, 'cifar-100'), { recursive: true });
    sparseFile(join(data, 'cifar-100', 'train.bin'), 50_000 * (record + 1));
    sparseFile(join(data, 'cifar-100', 'test.bin'), 10_000 * (record + 1));
    const jpeg = join(dir, 'one.jpg');
    writeFileSync(jpeg, await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: 90, g: 140, b: 30 } } }).jpeg().toBuffer());
    const lists: Record<string, string> = { sport8: 'Sport8', mit67: 'MIT67', flowers102: 'flowers102' };
    for (const [name, prefix] of Object.entries(lists)) {
      for (const list of readdirSync(splits).filter((f) => f.startsWith(`${prefix}_`))) {
        const split = list.includes('_test') ? 'test' : 'train';
        for (const [cls, files] of listRows(join(splits, list))) {
          mkdirSync(join(data, name, split, cls), { recursive: true });
          for (const f of files) linkSync(jpeg, join(data, name, split, cls, f));
        }
      }
    }
    mkdirSync(join(data, 'nas-benchmark-splits'));
    for (const f of readdirSync(splits)) writeFileSync(join(data, 'nas-benchmark-splits', f), readFileSync(join(splits, f)));
    const noHeaderChecks = manifestText.replace(/variant: (sport8|mit67|flowers102),/g, 'variant: $1, checkImages: false,');
    expect(noHeaderChecks.match(/checkImages: false/g)).toHaveLength(3);
    writeFileSync(join(dir, 'paper-benchmark.yaml'), noHeaderChecks);
  }, 120_000);

  it('validates', () => {
    const r = naslab(['validate', 'paper-benchmark.yaml'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('plans 240 jobs: 5 datasets × 2 methods × 8 seeds of search → train → evaluate, 8 cells on the 224-px datasets', () => {
    const r = naslab(['plan', 'paper-benchmark.yaml', '--json'], { cwd: dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const jobs = JSON.parse(r.stdout) as PlannedJob[];
    const byId = new Map(jobs.map((j) => [j.id, j]));
    expect(jobs).toHaveLength(240);
    expect(new Set(jobs.map((j) => j.id)).size).toBe(240);
    const datasets = ['cifar10', 'cifar100', 'sport8', 'mit67', 'flowers102'];
    for (const dataset of datasets) {
      for (const method of ['random-sampling', 'darts']) {
        const mine = jobs.filter((j) => j.dataset === dataset && j.method === method);
        // 8 searches (seeds 0–7), each with one architecture trained and evaluated
        for (const kind of ['search', 'train', 'evaluate'] as const) {
          expect(mine.filter((j) => j.kind === kind).map((j) => j.seed).sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
        }
      }
    }
    // The DAG: searches are roots; each train hangs off one search, each evaluate off one train,
    // of the same dataset, method and seed; parents come first.
    const position = new Map(jobs.map((j, i) => [j.id, i]));
    for (const j of jobs) {
      const want = { search: [], train: ['search'], evaluate: ['train'] }[j.kind];
      expect(j.parents.map((p) => byId.get(p)!.kind)).toEqual(want);
      for (const p of j.parents) {
        const parent = byId.get(p)!;
        expect([parent.dataset, parent.method, parent.seed]).toEqual([j.dataset, j.method, j.seed]);
        expect(position.get(p)!).toBeLessThan(position.get(j.id)!);
      }
    }
    // The darts-paper preset; 20 cells on CIFAR, 8 and no CIFAR crop-flip on the 224-px datasets.
    for (const t of jobs.filter((j) => j.kind === 'train')) {
      expect(t.protocol).toBe('darts-paper');
      const large = !t.dataset.startsWith('cifar');
      expect(t.spec.protocol).toMatchObject({ cells: large ? 8 : 20, channels: 36, epochs: 600 });
      const tricks = ['cutout', 'drop-path', 'auxiliary-tower'];
      expect(t.spec.tricks!.map((x) => x.package)).toEqual((large ? tricks : ['crop-flip', ...tricks]).map((id) => `@naslab/trick-${id}`));
    }
  });
});
