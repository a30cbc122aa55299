import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InMemoryResultStore } from '@naslab/core';
import { describe, expect, it } from 'vitest';
import type { StudyRun } from './results.js';
import { openStudy } from './session.js';
import { spaceComparisonMarkdown, studyLatency, studyReportInput } from './study-report.js';

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
