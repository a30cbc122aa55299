import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mean, parseNumericTable } from '@naslab/analysis';
import { describe, expect, it } from 'vitest';
import { SEED_DATA_DIR } from './__fixtures__/paths.js';
import { compareSpaceDistributions, spaceComparisonStudies, spaceComparisonTable, spaceHistogramSpec } from './space-comparison.js';
import { renderSvg } from './charts.js';
import { renderHtml } from './html.js';
import { buildStudyReport } from './study-report.js';
import { reportCsvFiles } from './tables.js';

describe('accuracy distributions of two spaces', () => {
  it('the shift of the means and its bootstrap CI on known data', () => {
    // Constant samples: every resample has the same means, so the CI is the point.
    const flat = compareSpaceDistributions({ space: 'a', accuracies: [95, 95, 95] }, { space: 'b', accuracies: [94.5, 94.5] }, { resamples: 200 });
    expect(flat.shift).toBeCloseTo(0.5, 12);
    expect([flat.shiftCi.low, flat.shiftCi.high].map((v) => Number(v.toFixed(12)))).toEqual([0.5, 0.5]);
    // B = A − 1 shifted: the shift is exactly 1; the CI is the bootstrap spread around it
    // (std of a mean difference ≈ √(2/n)·σ = 0.41 for σ = 1.15, n = 16) and contains 1.
    const a = Array.from({ length: 16 }, (_, i) => 90 + (i % 4));
    const b = a.map((v) => v - 1);
    const shifted = compareSpaceDistributions({ space: 'a', accuracies: a }, { space: 'b', accuracies: [...b, Number.NaN] }, { resamples: 4000, seed: 3 });
    expect(shifted.valuesB).toHaveLength(16);
    expect(shifted.shift).toBeCloseTo(1, 12);
    expect(shifted.shiftCi.low).toBeLessThan(1);
    expect(shifted.shiftCi.high).toBeGreaterThan(1);
    expect(shifted.shiftCi.high - shifted.shiftCi.low).toBeGreaterThan(1.2);
    expect(shifted.shiftCi.high - shifted.shiftCi.low).toBeLessThan(2);
    // Seeded: the same CI twice.
    expect(compareSpaceDistributions({ space: 'a', accuracies: a }, { space: 'b', accuracies: b }, { resamples: 4000, seed: 3 }).shiftCi).toEqual(shifted.shiftCi);
  });

  it("the paper's released data: DARTS ops (214) vs modified ops (56) are 0.180 points apart at the final epoch", () => {
    const last = (file: string) =>
      parseNumericTable(readFileSync(join(SEED_DATA_DIR, 'nas-benchmark', 'darts_space_random', file), 'utf8'), { skipColumns: 1 }).rows.map((c) => c[c.length - 1]!);
    const darts = last('214_random_architectures_test_acc_by_epoch.csv');
    const modified = last('56_random_modified_space_test_acc_by_epoch.csv');
    const c = compareSpaceDistributions({ space: 'darts', accuracies: darts }, { space: 'modified', accuracies: modified }, { resamples: 2000 });
    expect(c.valuesA).toHaveLength(214);
    expect(c.valuesB).toHaveLength(56);
    expect(c.meanA).toBeCloseTo(96.949, 3);
    expect(c.meanB).toBeCloseTo(96.769, 3);
    expect(c.shift).toBeCloseTo(0.18, 2);
    expect(c.shift).toBeCloseTo(mean(darts) - mean(modified), 12);
    // Clearly positive, and 0.18 inside.
    expect(c.shiftCi.low).toBeGreaterThan(0.05);
    expect(c.shiftCi.high).toBeLessThan(0.35);
  });

  it('studies pair the first space with each other one; the table and the overlaid histogram render', async () => {
    const studies = spaceComparisonStudies([
      {
        dataset: 'D',
        spaces: [
          { space: 'default', accuracies: [90, 91, 92] },
          { space: 'modified', accuracies: [89, 90, 91] },
          { space: 'one-run', accuracies: [80, Number.NaN] },
        ],
      },
    ], { resamples: 300 });
    expect(studies.map((s) => s.title)).toEqual(['D: default vs modified']);
    const table = spaceComparisonTable(studies)!;
    expect(table.rows[0]).toEqual(['D: default vs modified', '3', '91.00 ± 1.00', '3', '90.00 ± 1.00', '1.000', expect.stringMatching(/^-?\d\.\d{3} … \d\.\d{3}$/)]);
    const svg = await renderSvg(spaceHistogramSpec(studies[0]!));
    expect(svg).toContain('<svg');
    expect(svg).toContain('modified');
    expect(spaceComparisonTable([])).toBeNull();
  });

  it('a study report with random samples of two spaces gets the table, the CSV and the histogram; one space gets none', async () => {
    const spaceRuns = [{ dataset: 'D', spaces: [{ space: 'darts', accuracies: [90, 91, 92, 93] }, { space: 'darts-modified-ops', accuracies: [89, 90, 91, 92] }] }];
    const data = buildStudyReport({ datasets: ['D'], runs: [], spaceRuns, options: { resamples: 100, permutations: 100 } });
    expect(data.spaceComparisons?.map((c) => [c.title, c.shift])).toEqual([['D: darts vs darts-modified-ops', 1]]);
    expect(reportCsvFiles(data)['space-comparison.csv']).toContain('darts-modified-ops');
    expect(await renderHtml(data)).toContain('id="space-histogram-0"');
    const one = buildStudyReport({ datasets: ['D'], runs: [], spaceRuns: [{ dataset: 'D', spaces: [spaceRuns[0]!.spaces[0]!] }], options: { resamples: 100, permutations: 100 } });
    expect(one.spaceComparisons).toBeUndefined();
  });
});
