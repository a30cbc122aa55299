/**
 * The full-size manifests of the DARTS-family searches of the benchmark (experiments/<method>-cifar10.yaml)
 * validate and plan on stand-in CIFAR-10 files of the official sizes (sparse, zeros): 8 searches
 * of the method and 8 random samples of its space, each trained with the method's own preset.
 */
import { closeSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { naslab, repoRoot, tempDir } from './helpers/cli.js';

interface PlannedJob {
  kind: 'search' | 'train' | 'evaluate';
  method: string;
  seed: number;
  protocol: string | null;
  spec: {
    protocol?: Record<string, number>;
    tricks?: { package: string; options: Record<string, unknown> }[];
    method?: { package: string; options: Record<string, unknown> };
    space?: { package: string };
  };
}

/** Each manifest: its method, the space it searches, the preset, what the preset trains and the search options to check. */
const manifests = [
  {
    file: 'pdarts-cifar10.yaml',
    method: 'pdarts',
    space: '@naslab/space-pdarts',
    preset: 'pdarts-paper',
    protocol: { epochs: 600, batchSize: 128, cells: 20, channels: 36 },
    dropPath: 0.3,
    search: { epochs: 25, stageCells: [5, 11, 17], keepOps: [5, 3, 1], skipDropout: [0, 0.4, 0.7], batchSize: 96, archLearningRate: 6e-4, maxSkipConnects: 2 },
  },
  {
    file: 'manas-cifar10.yaml',
    method: 'manas',
    space: '@naslab/space-darts',
    preset: 'manas-paper',
    protocol: { epochs: 600, batchSize: 128, cells: 20, channels: 36 },
    dropPath: 0.2,
    search: { variant: 'ls', epochs: 50, cells: 8, batchSize: 64, rewardBaseline: 5, gamma: 0.1, temperature: [1000, 200] },
  },
  {
    file: 'cnas-cifar10.yaml',
    method: 'cnas',
    space: '@naslab/space-cnas',
    preset: 'cnas-paper',
    protocol: { epochs: 600, batchSize: 64, cells: 20, channels: 36, weightDecay: 5e-4 },
    dropPath: 0.25,
    search: { epochs: 50, cells: 6, channels: 16, batchSize: 64, learningRateMin: 0.003, archLearningRate: 3e-4, genotypeFrom: 'last-epoch-start' },
    labelSmoothing: 0.1,
  },
  {
    file: 'stacnas-cifar10.yaml',
    method: 'stacnas',
    space: '@naslab/space-darts',
    preset: 'stacnas-paper',
    protocol: { epochs: 600, batchSize: 96, cells: 20, channels: 36 },
    dropPath: 0.2,
    search: { stageEpochs: [100, 100], stageCells: [14, 20], batchSize: 64, channels: 16, archLearningRate: 3e-4, data: 'all' },
  },
];

describe('full-size DARTS-family manifests', { timeout: 120_000 }, () => {
  const dir = tempDir('naslab-darts-family-');
  beforeAll(() => {
    mkdirSync(join(dir, 'data', 'cifar-10'), { recursive: true });
    for (const f of ['data_batch_1', 'data_batch_2', 'data_batch_3', 'data_batch_4', 'data_batch_5', 'test_batch']) {
      const fd = openSync(join(dir, 'data', 'cifar-10', `${f}.bin`), 'w');
      ftruncateSync(fd, 10_000 * 3073);
      closeSync(fd);
    }
    for (const m of manifests) writeFileSync(join(dir, m.file), readFileSync(join(repoRoot, 'experiments', m.file)));
  });

  for (const m of manifests) {
    it(`${m.file} plans 8 searches of ${m.method} and 8 random samples of its space, trained with ${m.preset}`, () => {
      const r = naslab(['plan', m.file, '--json'], { cwd: dir });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const jobs = JSON.parse(r.stdout) as PlannedJob[];
      expect(jobs).toHaveLength(48);
      for (const method of ['random-sampling', m.method]) {
        const searches = jobs.filter((j) => j.kind === 'search' && j.method === method);
        expect(searches.map((j) => j.seed).sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
        for (const s of searches) expect(s.spec.space!.package).toBe(m.space);
      }
      const search = jobs.find((j) => j.kind === 'search' && j.method === m.method)!;
      expect(search.spec.method!.options).toMatchObject(m.search);
      for (const t of jobs.filter((j) => j.kind === 'train')) {
        expect(t.protocol).toBe(m.preset);
        expect(t.spec.protocol).toMatchObject(m.protocol);
        expect(t.spec.tricks!.find((x) => x.package === '@naslab/trick-drop-path')!.options.probability).toBe(m.dropPath);
        const smoothing = t.spec.tricks!.find((x) => x.package === '@naslab/trick-label-smoothing');
        expect(smoothing?.options.epsilon).toBe('labelSmoothing' in m ? m.labelSmoothing : undefined);
      }
    });
  }
});
