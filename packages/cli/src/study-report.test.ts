import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InMemoryResultStore, methodSpace, Rng, type SearchSpace } from '@naslab/core';
import { describe, expect, it } from 'vitest';
import { formatRunTable, type StudyRun } from './results.js';
import { openStudy } from './session.js';
import { summarizeSearchCost, searchCostTable } from '@naslab/report';
import { searchCosts, spaceComparisonMarkdown, studyArchitectures, studyLatency, studyReportInput } from './study-report.js';

/** The reference's Pixel 1 table (seed data beside the repository, read in place). */
const PIXEL1 = fileURLToPath(new URL('../../../../shared/seed-data/single-path-nas/pixel1_runtime_model.json', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'naslab-latency-'));
const manifest = (name: string, space: string) => {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, `name: ${name}\nseeds: 1\ndatasets: [fashion-mnist]\nspace: ${space}\nmethods:\n  - { id: random-sampling, options: { samples: 1 } }\n  - { id: single-path, options: { epochs: 1 } }\n`);
  return file;
};
const ALL_K5E6 = 'k5e6 k5e6 k5e6 k5e6 | k5e6 k5e6 k5e6 k5e6 | k5e6 k5e6 k5e6 k5e6 | k5e6 k5e6 k5e6 k5e6 | k5e6 k5e6 k5e6 k5e6';
const run = (kind: 'random' | 'searched', method: string, arch: string): StudyRun => ({
  jobId: `e-${kind}`,
  dataset: 'fashion-mnist',
  method,
  kind,
  seed: 0,
  index: 0,
  protocol: 'base',
  accuracy: 80,
  finalAccuracy: 80,
  bestAccuracy: 80,
  arch,
});

describe('latency of a study’s architectures, through the space’s latency capability', () => {
  it('predicts each run’s latency where the space has a table, and passes it to the report', async () => {
    const study = await openStudy(manifest('with-table', `{ id: mbconv, options: { latencyTable: '${PIXEL1}' } }`));
    const latencyOf = await studyLatency(study);
    expect(latencyOf).toBeDefined();
    expect(latencyOf!(ALL_K5E6)).toBeCloseTo(131.4578, 4);
    const ALL_SKIPPED = 'k3e3 skip skip skip | k3e3 skip skip skip | k3e3 skip skip skip | k3e3 skip skip skip | k3e3 skip skip skip';
    const runs = [run('random', 'random-sampling', ALL_K5E6), run('searched', 'single-path', ALL_SKIPPED)];
    const input = studyReportInput(study, new InMemoryResultStore(dir), runs, latencyOf);
    // The random samples are listed beside the searched method they are the baseline of.
    expect(input.runs.map((r) => [r.method, r.kind, r.latencyMs?.toFixed(4), r.arch])).toEqual([
      ['single-path', 'random', '131.4578', ALL_K5E6],
      ['single-path', 'searched', '30.7900', ALL_SKIPPED],
    ]);
    // Without the model, the runs carry no latency.
    expect(studyReportInput(study, new InMemoryResultStore(dir), runs).runs.every((r) => r.latencyMs === undefined)).toBe(true);
  }, 60_000); // the space's network module loads TensorFlow.js

  it('gives no latency without a table, nor for a space without the capability', async () => {
    const noTable = await studyLatency(await openStudy(manifest('no-table', 'mbconv')));
    expect(noTable?.(ALL_K5E6)).toBeUndefined();
    expect(await studyLatency(await openStudy(manifest('darts', 'darts')))).toBeUndefined();
  }, 60_000);
});

describe('RI of a method on its own space', () => {
  it('is against random sampling of that space, planned for it, not of the manifest’s space', async () => {
    const file = join(dir, 'two-spaces.yaml');
    writeFileSync(
      file,
      `name: two-spaces
seeds: 2
datasets: [fashion-mnist]
space: darts
methods:
  - { id: random-sampling, name: random, options: { samples: 1 } }
  - { id: darts, name: darts }
  - { id: darts, name: darts-on-pdarts, space: pdarts }
baseline: random
protocol: { epochs: 1 }
`,
    );
    const study = await openStudy(file);
    expect(new Set(study.jobs.filter((j) => j.kind === 'search').map((j) => j.method))).toEqual(new Set(['random', 'darts', 'darts-on-pdarts', 'random@pdarts']));
    // Accuracies: random sampling of darts 50 and 60, of pdarts 70 and 80.
    const at = (method: string, seed: number, accuracy: number): StudyRun => ({ ...run(method.startsWith('random') ? 'random' : 'searched', method, 'a'), jobId: `e-${method}-${seed}`, seed, accuracy });
    const runs = [at('random', 0, 50), at('random', 1, 60), at('darts', 0, 66), at('darts', 1, 66), at('random@pdarts', 0, 70), at('random@pdarts', 1, 80), at('darts-on-pdarts', 0, 75), at('darts-on-pdarts', 1, 75)];
    const input = studyReportInput(study, new InMemoryResultStore(dir), runs);
    const pairs = (method: string) => input.runs.filter((r) => r.method === method).map((r) => `${r.kind} ${r.accuracy}`);
    expect(pairs('darts')).toEqual(['random 50', 'random 60', 'searched 66', 'searched 66']);
    expect(pairs('darts-on-pdarts')).toEqual(['random 70', 'random 80', 'searched 75', 'searched 75']);
    expect(pairs('random@pdarts')).toEqual([]);
    // Each random row names the baseline that sampled it (the search-cost table pairs by it).
    expect(new Set(input.runs.filter((r) => r.kind === 'random').map((r) => `${r.method} ← ${r.baseline}`))).toEqual(new Set(['darts ← random', 'darts-on-pdarts ← random@pdarts']));
    // The summary: 66 vs 55 is +20 %, 75 vs 75 is 0 %; the baselines have none.
    const table = formatRunTable(study, runs);
    expect(table).toMatch(/RI vs random on each method's space/);
    const ri = (method: string) => table.split('\n').find((l) => l.split(/\s{2,}/)[2] === method)?.split(/\s{2,}/)[7];
    expect([ri('darts'), ri('darts-on-pdarts'), ri('random'), ri('random@pdarts')]).toEqual(['20.00', '0.00', undefined, undefined]);
  }, 60_000);
});

describe('cell diagrams of a study on several spaces', () => {
  it('reads each architecture with the space its search searched', async () => {
    const file = join(dir, 'cells.yaml');
    writeFileSync(
      file,
      'name: cells\nseeds: 1\ndatasets: [fashion-mnist]\nspace: darts\nmethods:\n  - { id: random-sampling, name: random, options: { samples: 1 } }\n  - { id: darts, name: darts-on-cnas, space: cnas }\nbaseline: random\nprotocol: { epochs: 1 }\n',
    );
    const study = await openStudy(file);
    const store = new InMemoryResultStore(dir);
    store.saveStudy({ name: 'cells', manifestHash: study.manifest.hash } as never, study.jobs);
    // Each search's architecture is a sample of its own space: CNAS cells have 6 nodes and ops
    // (shuffle_conv_3x3) the DARTS space cannot read.
    for (const job of study.jobs.filter((j) => j.kind === 'search')) {
      const label = methodSpace(study.manifest, job.method).label;
      const space = (await study.host.instantiate(study.container.createChildContainer(), 'space', label)) as SearchSpace<unknown>;
      store.startJob(job.id, {} as never);
      store.finishJob(job.id, { architectures: [space.format(space.sample(new Rng(`cells/${job.method}`)))] }, 1);
    }
    const cells = await studyArchitectures(study, store);
    expect(cells.map((c) => `${c.method} ${c.kind} ${c.cells.length}`)).toEqual(['random random 2', 'darts-on-cnas searched 2', 'random@cnas random 2']);
  }, 60_000);
});

describe('random samples of two spaces in one study', () => {
  it('groups the random-sampling runs by the space each sampler searched, the manifest’s first, and prints the shift', async () => {
    const file = join(dir, 'two-op-sets.yaml');
    writeFileSync(
      file,
      [
        'name: two-op-sets',
        'seeds: 1',
        'datasets: [fashion-mnist]',
        'space: darts',
        'methods:',
        '  - { id: random-sampling, name: random-darts, options: { samples: 3 } }',
        '  - { id: random-sampling, name: random-modified, options: { samples: 3 }, space: { id: darts, name: darts-modified, options: { ops: [none, skip_connect, conv_3x3] } } }',
        'baseline: random-darts',
        '',
      ].join('\n'),
    );
    const study = await openStudy(file);
    const runs: StudyRun[] = [90, 91, 92, 88, 89, 90].map((accuracy, i) => ({
      ...run(i < 3 ? 'random' : 'searched', i < 3 ? 'random-darts' : 'random-modified', ''),
      index: i % 3,
      accuracy,
    }));
    const input = studyReportInput(study, new InMemoryResultStore(dir), runs);
    expect(input.spaceRuns).toEqual([
      { dataset: 'fashion-mnist', spaces: [{ space: 'darts', accuracies: [90, 91, 92] }, { space: 'darts-modified', accuracies: [88, 89, 90] }] },
    ]);
    expect(spaceComparisonMarkdown(input)).toContain('| fashion-mnist: darts vs darts-modified | 3 | 91.00 ± 1.00 | 3 | 89.00 ± 1.00 | 2.000 |');
    // One space: no comparison.
    const one = studyReportInput(study, new InMemoryResultStore(dir), runs.slice(0, 3));
    expect(one.spaceRuns).toBeUndefined();
  });
});

describe('search cost of a stored study', () => {
  it('counts what each search trained and gives the published GPU-days of the methods that have one', async () => {
    const file = join(dir, 'cost.yaml');
    writeFileSync(
      file,
      'name: cost\nseeds: 2\ndatasets: [fashion-mnist]\nspace: enas-micro\nmethods:\n  - { id: random-sampling, options: { samples: 2 } }\n  - { id: enas, options: { epochs: 1 } }\n  - { id: darts, space: darts }\nprotocol: { epochs: 1 }\n',
    );
    const study = await openStudy(file);
    const store = new InMemoryResultStore(dir);
    store.saveStudy({ name: 'cost', manifestHash: study.manifest.hash } as never, study.jobs);
    // What each method stores: ENAS its sampled children, DARTS one supernet (seed 0 only: an
    // older result without the count shows none), random sampling nothing but its samples.
    const results: Record<string, (seed: number) => unknown> = {
      'random-sampling': () => ({ architectures: ['a', 'b'], cost: { wallSeconds: 1 } }),
      enas: (seed) => ({ architectures: ['a'], cost: { wallSeconds: 10, queries: 300 + seed * 100, trained: { count: 300 + seed * 100, unit: 'children' } } }),
      darts: (seed) => ({ architectures: ['a'], cost: { wallSeconds: 20, ...(seed === 0 ? { trained: { count: 1, unit: 'supernet' } } : {}) } }),
    };
    for (const job of study.jobs.filter((j) => j.kind === 'search')) {
      store.startJob(job.id, {} as never);
      store.finishJob(job.id, (results[job.method] ?? results['random-sampling']!)(job.seed) as never, 1); // random-sampling@darts: the DARTS space's baseline
    }
    const costs = searchCosts(study, store);
    const of = (method: string) => costs.filter((c) => c.method === method).map((c) => [c.seed, c.trained?.count, c.trained?.unit, c.published?.gpuDays]);
    expect(of('random-sampling')).toEqual([[0, 2, 'sampled', undefined], [1, 2, 'sampled', undefined]]);
    expect(of('enas')).toEqual([[0, 300, 'children', 0.3], [1, 400, 'children', 0.3]]);
    expect(of('darts')).toEqual([[0, 1, 'supernet', 0.3], [1, undefined, undefined, 0.3]]);
    const rows = summarizeSearchCost(costs, []);
    const table = searchCostTable(rows);
    const trained = table.header.indexOf('trained per search');
    const published = table.header.indexOf('GPU-days (published)');
    expect(table.rows.map((r) => [r[1], r[trained], r[published]])).toEqual([
      ['random-sampling', 'none (2 sampled)', '–'],
      ['enas', '350 sampled children', '0.3'],
      ['darts', '1 supernet', '0.3'],
      ['random-sampling@darts', 'none (2 sampled)', '–'],
    ]);
    expect(table.caption).toContain('enas: Yang et al. 2020, Fig. 2 (CIFAR10)');
  }, 60_000);
});
