import { DEFAULT_DDOF, mean, std } from './descriptive.js';
import { kendallTauB } from './rank-statistics.js';
import { type CurveScoring, scoreCurve } from './scoring.js';

export interface CurveAggregate {
  epochs: number;
  /** Mean accuracy per epoch over the curves (index 0 = epoch 1). */
  mean: number[];
  /** Standard deviation per epoch (ddof as given, default 1). */
  std: number[];
  min: number[];
  max: number[];
}

function column(curves: readonly (readonly number[])[], e: number): number[] {
  const out: number[] = [];
  for (const c of curves) if (e < c.length && Number.isFinite(c[e])) out.push(c[e]);
  return out;
}

/** Epoch-wise mean/std/min/max over curves of possibly different lengths. */
export function aggregateCurves(curves: readonly (readonly number[])[], ddof: number = DEFAULT_DDOF): CurveAggregate {
  const epochs = Math.max(0, ...curves.map((c) => c.length));
  const agg: CurveAggregate = { epochs, mean: [], std: [], min: [], max: [] };
  for (let e = 0; e < epochs; e++) {
    const col = column(curves, e);
    agg.mean.push(mean(col));
    agg.std.push(std(col, ddof));
    agg.min.push(col.length ? Math.min(...col) : Number.NaN);
    agg.max.push(col.length ? Math.max(...col) : Number.NaN);
  }
  return agg;
}

export interface EpochRankCorrelation {
  /** 1-based epoch. */
  epoch: number;
  /** Kendall τ-b between the accuracy at `epoch` and the reference (final) score. */
  tau: number;
}

/**
 * How well early accuracy predicts the final ranking: Kendall τ-b between the
 * accuracy at each epoch and each curve's final score ('final' = last epoch,
 * as in the paper's figure; 'best' = best over epochs). `every` subsamples epochs.
 * Curves must have equal length.
 */
export function rankCorrelationWithFinal(
  curves: readonly (readonly number[])[],
  options: { reference?: CurveScoring; every?: number } = {},
): EpochRankCorrelation[] {
  if (curves.length === 0) return [];
  const epochs = curves[0].length;
  if (curves.some((c) => c.length !== epochs)) throw new Error('curves must have the same number of epochs');
  const finals = curves.map((c) => scoreCurve(c, options.reference ?? 'final'));
  const every = Math.max(1, options.every ?? 1);
  const out: EpochRankCorrelation[] = [];
  for (let e = 0; e < epochs; e += every) {
    out.push({ epoch: e + 1, tau: kendallTauB(curves.map((c) => c[e]), finals) });
  }
  if ((epochs - 1) % every !== 0) out.push({ epoch: epochs, tau: kendallTauB(curves.map((c) => c[epochs - 1]), finals) });
  return out;
}

export interface GroupSummary {
  group: string;
  n: number;
  mean: number;
  std: number;
  ddof: number;
  min: number;
  max: number;
}

/**
 * Scores each curve ('best' over epochs by default, as the paper's cell-count
 * study does) and summarises per group (e.g. per number of cells).
 */
export function summarizeCurveGroups(
  groups: ReadonlyArray<{ group: string; curves: readonly (readonly number[])[] }>,
  options: { scoring?: CurveScoring; ddof?: number } = {},
): GroupSummary[] {
  const ddof = options.ddof ?? DEFAULT_DDOF;
  return groups.map(({ group, curves }) => {
    const scores = curves.map((c) => scoreCurve(c, options.scoring ?? 'best'));
    return {
      group,
      n: scores.length,
      mean: mean(scores),
      std: std(scores, ddof),
      ddof,
      min: Math.min(...scores),
      max: Math.max(...scores),
    };
  });
}
