import { kendallTauB } from '@naslab/analysis';
import { describe, expect, it } from 'vitest';
import { rankAgreementStudies, rankAgreementTable, rankScatterSpec, type ProtocolRun } from './rank-agreement.js';

const runsOf = (protocol: string, accuracies: number[]): ProtocolRun[] => accuracies.map((accuracy, i) => ({ protocol, architecture: `a${i}`, accuracy }));

describe('rank agreement between protocols', () => {
  it('pairs the same architectures under each pair of protocols: identical, reversed and one swap', () => {
    const base = [90, 91, 92, 93, 94, 95];
    const runs = [
      ...runsOf('base', base),
      ...runsOf('same', base.map((a) => a + 1)),
      ...runsOf('reversed', [...base].reverse()),
      // a4 and a5 swap places; an architecture only one protocol trained is left out.
      ...runsOf('swap', [90, 91, 92, 93, 95, 94]),
      { protocol: 'swap', architecture: 'extra', accuracy: 99 },
    ];
    const studies = rankAgreementStudies(runs, ['base', 'same', 'reversed', 'swap'], { resamples: 300 });
    expect(studies.map((s) => s.title)).toEqual(['base vs same', 'base vs reversed', 'base vs swap', 'same vs reversed', 'same vs swap', 'reversed vs swap']);
    const [same, reversed, swap] = studies;
    expect(same!.comparison).toMatchObject({ n: 6, kendallTauB: 1, spearmanRho: 1 });
    expect([same!.tauCi.low, same!.tauCi.high]).toEqual([1, 1]);
    expect(reversed!.comparison.kendallTauB).toBe(-1);
    // The worst architecture becomes the best: 5 places (the first of the two that move most).
    expect(reversed!.comparison.largestShift).toMatchObject({ shift: 5, rankA: 6, rankB: 1 });
    expect(reversed!.architectures[reversed!.comparison.largestShift.index]).toBe('a0');
    expect(swap!.comparison.n).toBe(6);
    expect(swap!.comparison.kendallTauB).toBeCloseTo(kendallTauB(base, [90, 91, 92, 93, 95, 94]), 12);
    expect(swap!.comparison.largestShift.shift).toBe(1);
    const table = rankAgreementTable(studies)!;
    expect(table.header).toEqual(['protocols', 'n', 'Kendall τ-b', 'τ 95% CI', 'Spearman ρ', 'largest rank move']);
    expect(table.rows[1]).toEqual(['base vs reversed', '6', '-1.000', '-1.000 … -1.000', '-1.000', '5.0 (a0: rank 6.0 → 1.0)']);
    expect(JSON.stringify(rankScatterSpec(reversed!))).toContain('"rankA":6,"rankB":1');
  });

  it('leaves out pairs with fewer than 3 shared architectures and unscored runs', () => {
    const runs = [...runsOf('a', [1, 2, 3]), ...runsOf('b', [1, 2, Number.NaN])];
    expect(rankAgreementStudies(runs, ['a', 'b'])).toEqual([]);
  });
});
