/**
 * Rank agreement between protocols: where the same architectures are trained under two or more
 * protocols (training seeds, cell counts, tricks), how much their ranking changes — Kendall τ-b
 * with a bootstrap CI, Spearman ρ, the largest rank move, and a rank-vs-rank scatter per pair
 * (the paper's Figures 6 and 8).
 */
import { bootstrapKendallTauCi, compareRankings, type BootstrapOptions, type ConfidenceInterval } from '@naslab/analysis';
import type { TopLevelSpec } from 'vega-lite';
import type { RankStudy } from './report-data.js';
import type { Table } from './tables.js';

/** One trained architecture under one protocol; `architecture` is the same key under every protocol. */
export interface ProtocolRun {
  readonly protocol: string;
  readonly architecture: string;
  readonly accuracy: number;
}

export interface RankAgreementStudy extends RankStudy {
  /** The architectures compared, in the order of `scoresA` / `scoresB`. */
  architectures: string[];
  tauCi: ConfidenceInterval;
}

/**
 * Every pair of protocols (in the order given) over the architectures trained, with a finite
 * accuracy, under both; pairs with fewer than 3 such architectures are left out.
 */
export function rankAgreementStudies(runs: readonly ProtocolRun[], protocols: readonly string[], options: BootstrapOptions = {}): RankAgreementStudy[] {
  const byProtocol = new Map<string, Map<string, number>>();
  for (const r of runs) {
    if (!Number.isFinite(r.accuracy)) continue;
    let m = byProtocol.get(r.protocol);
    if (!m) byProtocol.set(r.protocol, (m = new Map()));
    m.set(r.architecture, r.accuracy);
  }
  const out: RankAgreementStudy[] = [];
  for (let i = 0; i < protocols.length; i++) {
    for (let j = i + 1; j < protocols.length; j++) {
      const a = byProtocol.get(protocols[i]!);
      const b = byProtocol.get(protocols[j]!);
      if (!a || !b) continue;
      const architectures = [...a.keys()].filter((k) => b.has(k)).sort();
      if (architectures.length < 3) continue;
      const scoresA = architectures.map((k) => a.get(k)!);
      const scoresB = architectures.map((k) => b.get(k)!);
      out.push({
        title: `${protocols[i]} vs ${protocols[j]}`,
        labelA: protocols[i]!,
        labelB: protocols[j]!,
        scoresA,
        scoresB,
        architectures,
        comparison: compareRankings(scoresA, scoresB),
        tauCi: bootstrapKendallTauCi(scoresA, scoresB, { resamples: 2000, ...options }),
      });
    }
  }
  return out;
}

const f = (v: number, digits = 3) => (Number.isFinite(v) ? v.toFixed(digits) : '–');

export function rankAgreementTable(studies: readonly RankAgreementStudy[]): Table | null {
  if (!studies.length) return null;
  const level = Math.round((studies[0]!.tauCi.confidence ?? 0.95) * 100);
  return {
    caption: `Rank agreement between protocols on the same architectures (rank 1 = best; ties get average ranks; τ CI: paired percentile bootstrap, ${studies[0]!.tauCi.resamples} resamples).`,
    header: ['protocols', 'n', 'Kendall τ-b', `τ ${level}% CI`, 'Spearman ρ', 'largest rank move'],
    rows: studies.map((s) => {
      const m = s.comparison.largestShift;
      return [
        s.title,
        String(s.comparison.n),
        f(s.comparison.kendallTauB),
        `${f(s.tauCi.low)} … ${f(s.tauCi.high)}`,
        f(s.comparison.spearmanRho),
        `${f(m.shift, 1)} (${s.architectures[m.index] ?? '?'}: rank ${f(m.rankA, 1)} → ${f(m.rankB, 1)})`,
      ];
    }),
  };
}

/** Rank under one protocol against rank under the other, one point per architecture. */
export function rankScatterSpec(study: RankAgreementStudy): TopLevelSpec {
  const values = study.comparison.ranksA.map((ra, i) => ({ architecture: study.architectures[i], rankA: ra, rankB: study.comparison.ranksB[i], move: Math.abs(ra - study.comparison.ranksB[i]!) }));
  const n = study.comparison.n;
  const axis = (title: string) => ({ type: 'quantitative' as const, title, scale: { domain: [0, n + 1] } });
  return {
    title: `${study.title}: τ-b ${f(study.comparison.kendallTauB)} (${f(study.tauCi.low)} … ${f(study.tauCi.high)})`,
    width: 260,
    height: 260,
    layer: [
      { data: { values: [{ r: 0 }, { r: n + 1 }] }, mark: { type: 'line', color: '#bbb', strokeDash: [4, 4] }, encoding: { x: { field: 'r', ...axis(`rank, ${study.labelA}`) }, y: { field: 'r', ...axis(`rank, ${study.labelB}`) } } },
      {
        data: { values },
        mark: { type: 'point', filled: true },
        encoding: {
          x: { field: 'rankA', ...axis(`rank, ${study.labelA}`) },
          y: { field: 'rankB', ...axis(`rank, ${study.labelB}`) },
          color: { field: 'move', type: 'quantitative', title: 'rank move' },
          tooltip: [{ field: 'architecture' }, { field: 'rankA' }, { field: 'rankB' }],
        },
      },
    ],
  } as TopLevelSpec;
}
