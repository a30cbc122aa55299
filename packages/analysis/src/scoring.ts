/** How an architecture's accuracy is read from its per-epoch test-accuracy curve. */
export type CurveScoring = 'final' | 'best';

/**
 * Accuracy of one training curve: the value at the last epoch ('final') or the
 * maximum over all epochs ('best', what the paper's cell-count figure uses).
 * Non-finite entries (missing epochs) are ignored.
 */
export function scoreCurve(curve: readonly number[], scoring: CurveScoring = 'final'): number {
  const finite = curve.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return Number.NaN;
  if (scoring === 'best') return Math.max(...finite);
  return finite[finite.length - 1];
}

export function scoreCurves(curves: readonly (readonly number[])[], scoring: CurveScoring = 'final'): number[] {
  return curves.map((c) => scoreCurve(c, scoring));
}
