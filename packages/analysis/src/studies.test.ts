import { describe, expect, it } from 'vitest';
import { seedFile } from './__fixtures__/seed-data.js';
import { ablationTable } from './ablation.js';
import { parseNumericTable } from './csv.js';
import { aggregateCurves, rankCorrelationWithFinal, summarizeCurveGroups } from './learning-curves.js';
import { scoreCurve } from './scoring.js';

describe('protocol ablation (performance/Augmentation.csv)', () => {
  const t = parseNumericTable(seedFile('nas-benchmark/performance/Augmentation.csv'));
  const table = ablationTable(t.header.map((protocol, i) => ({ protocol, values: t.rows.map((r) => r[i]) })));

  it('base 94.96 … 97.87, ddof 1', () => {
    expect(table.base).toBe('Base');
    expect(table.ddof).toBe(1);
    const expected = [94.95625, 95.03625, 95.93375, 96.39125, 96.845, 96.99875, 97.23625, 97.30875, 97.6475, 97.87125];
    table.rows.forEach((r, i) => expect(r.mean).toBeCloseTo(expected[i], 10));
    expect(table.rows[0].mean.toFixed(2)).toBe('94.96');
    expect(table.rows[9].mean.toFixed(2)).toBe('97.87');
    expect(table.rows[0].std).toBeCloseTo(0.3128, 4);
    expect(table.rows[9].std).toBeCloseTo(0.2186, 4);
    expect(table.rows[0].deltaVsBase).toBe(0);
    expect(table.rows[9].deltaVsBase).toBeCloseTo(97.87125 - 94.95625, 10);
    expect(table.rows[9]).toMatchObject({ protocol: 'CDAAA1500E50C', n: 8, min: 97.45, max: 98.15 });
    expect(t.header[2]).toBe('DropPath'); // header "DropPath " is trimmed
  });
});

describe('cell-count study (cell_sensitivity/, best over epochs)', () => {
  const cells = [4, 6, 8, 12, 16, 20, 24];
  const groups = cells.map((c) => ({
    group: String(c),
    curves: parseNumericTable(seedFile(`nas-benchmark/cell_sensitivity/cell_n_${c}_test_acc_by_epoch.csv`), { skipColumns: 1 }).rows,
  }));
  it('mean ± std (ddof 1) per cell count', () => {
    const s = summarizeCurveGroups(groups);
    expect(s.map((g) => g.n)).toEqual([16, 12, 15, 16, 16, 16, 16]);
    const expected = [
      [95.6669, 0.5636, 96.26],
      [96.5108, 0.1998, 96.78],
      [96.6847, 0.2538, 97.13],
      [96.9319, 0.1356, 97.12],
      [96.98, 0.1261, 97.23],
      [96.9862, 0.243, 97.38],
      [97.0075, 0.235, 97.41],
    ];
    s.forEach((g, i) => {
      expect(g.mean).toBeCloseTo(expected[i][0], 3);
      expect(g.std).toBeCloseTo(expected[i][1], 3);
      expect(g.max).toBeCloseTo(expected[i][2], 6);
    });
    // numpy's default (ddof 0), as in the paper's notebook, for 4 cells: 0.5457
    expect(summarizeCurveGroups(groups.slice(0, 1), { ddof: 0 })[0].std).toBeCloseTo(0.5457, 3);
  });

  it('final-epoch scoring differs from best-over-epochs', () => {
    const s = summarizeCurveGroups(groups.slice(0, 1), { scoring: 'final' });
    expect(s[0].mean).toBeCloseTo(95.5706, 3);
    expect(scoreCurve([1, 5, 3], 'best')).toBe(5);
    expect(scoreCurve([1, 5, 3], 'final')).toBe(3);
  });

  it("'final' of a truncated curve is a missing value, never an earlier epoch's score", () => {
    expect(scoreCurve([1, 5, 3, Number.NaN], 'final')).toBeNaN();
    expect(scoreCurve([1, 5, 3], 'final', { epochs: 4 })).toBeNaN();
    expect(scoreCurve([1, 5, 3], 'best', { epochs: 4 })).toBeNaN();
    expect(scoreCurve([1, 5, 3, 4], 'final', { epochs: 4 })).toBe(4);
    expect(scoreCurve([1, Number.NaN, 3], 'best')).toBe(3);
  });
});

describe('learning curves (darts_space_random/214 random architectures)', () => {
  const curves = parseNumericTable(seedFile('nas-benchmark/darts_space_random/214_random_architectures_test_acc_by_epoch.csv'), {
    skipColumns: 1,
  }).rows;
  it('mean curve and τ between epoch e and the final epoch', () => {
    expect(curves).toHaveLength(214);
    const agg = aggregateCurves(curves);
    expect(agg.epochs).toBe(600);
    expect(agg.mean[0]).toBeCloseTo(44.2964, 3);
    expect(agg.mean[599]).toBeCloseTo(96.9492, 3);
    const taus = rankCorrelationWithFinal(curves, { every: 1 });
    expect(taus).toHaveLength(600);
    const at = (e: number) => taus[e - 1].tau;
    expect(at(1)).toBeCloseTo(0.03751739384716817, 10);
    expect(at(300)).toBeCloseTo(0.3651986302424468, 10);
    expect(at(450)).toBeCloseTo(0.572834566214961, 10);
    expect(at(599)).toBeCloseTo(0.8627827483668896, 10);
    expect(at(600)).toBe(1);
    const sub = rankCorrelationWithFinal(curves, { every: 50 });
    expect(sub.map((x) => x.epoch)).toEqual([1, 51, 101, 151, 201, 251, 301, 351, 401, 451, 501, 551, 600]);
  });
});
