/** How an architecture's accuracy is read from its per-epoch test-accuracy curve. */
export type CurveScoring = 'final' | 'best';

/**
 * Accuracy of one training curve: the value at the last epoch ('final') or the
 * maximum over all epochs ('best', what the paper's cell-count figure uses).
 * 'final' of a curve whose last epoch is missing (non-finite), or shorter than `epochs`
 * when given, is NaN — a missing value, never an earlier epoch's score. 'best' ignores
 * missing epochs, but a curve shorter than `epochs` is NaN too.
 */
export function scoreCurve(curve: readonly number[], scoring: CurveScoring = 'final', options: { epochs?: number } = {}): number {
  if (options.epochs !== undefined && curve.length < options.epochs) return Number.NaN;
  if (scoring === 'final') {
    const last = curve[curve.length - 1];
    return last !== undefined && Number.isFinite(last) ? last : Number.NaN;
  }
  const finite = curve.filter((v) => Number.isFinite(v));
  return finite.length === 0 ? Number.NaN : Math.max(...finite);
}

export function scoreCurves(curves: readonly (readonly number[])[], scoring: CurveScoring = 'final', options: { epochs?: number } = {}): number[] {
  return curves.map((c) => scoreCurve(c, scoring, options));
}
