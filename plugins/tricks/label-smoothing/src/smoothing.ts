/**
 * Label-smoothed cross-entropy (Szegedy et al. 2016) as CNAS / P-DARTS write it
 * (`CrossEntropyLabelSmooth`): target = (1 − ε)·one-hot + ε/K, loss = mean over the batch of
 * −Σ_k target_k · log softmax_k. It splits into the plain cross-entropy plus a correction:
 *   CE_ε = CE + ε · (U − CE),   U = mean over the batch of −(1/K) Σ_k log softmax_k,
 * which is what this trick adds through the loop's `extraLoss` hook.
 */

/** Plain CE, uniform-target CE and smoothed CE of one batch of logits (float64, for tests). */
export function smoothedCrossEntropy(
  logits: readonly (readonly number[])[],
  labels: readonly number[],
  epsilon: number,
): { plain: number; uniform: number; smoothed: number } {
  let plain = 0;
  let uniform = 0;
  for (let i = 0; i < logits.length; i++) {
    const row = logits[i]!;
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
    const logp = row.map((v) => v - lse);
    plain += -logp[labels[i]!]!;
    uniform += -logp.reduce((s, v) => s + v, 0) / row.length;
  }
  plain /= logits.length;
  uniform /= logits.length;
  return { plain, uniform, smoothed: (1 - epsilon) * plain + epsilon * uniform };
}
