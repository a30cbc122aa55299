/**
 * Drop-path (Larsson et al. 2017, FractalNet; NASNet's ScheduledDropPath) as DARTS evaluates
 * with it (quark0/darts cnn/utils.py `drop_path`, cnn/model.py `Cell.forward`, cnn/train.py):
 * every edge op except identity is dropped for a whole sample with probability p, and the kept
 * samples are divided by the keep probability 1 − p. p ramps linearly over training:
 * `drop_path_prob · epoch / epochs` with a 0-based epoch (so the first epoch drops nothing).
 */
import type { Rng } from '@naslab/core';

export type DropPathSchedule = 'linear' | 'constant';

/** The drop probability in force during (0-based) `epoch` of `epochs`. */
export function dropPathProbability(maxProbability: number, epoch: number, epochs: number, schedule: DropPathSchedule): number {
  if (schedule === 'constant') return maxProbability;
  return (maxProbability * epoch) / epochs;
}

/**
 * Per-sample multipliers for one op's output, [count]: 0 for a dropped sample, 1/(1 − p) for a
 * kept one (Bernoulli(1 − p) each), exactly `mask / keep_prob` in the reference.
 */
export function dropPathMask(count: number, probability: number, rng: Rng): Float32Array {
  const mask = new Float32Array(count);
  if (probability <= 0) return mask.fill(1);
  const keep = 1 - probability;
  for (let i = 0; i < count; i++) mask[i] = rng.uniform() < keep ? 1 / keep : 0;
  return mask;
}
