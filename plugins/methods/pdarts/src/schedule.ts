/** P-DARTS' skip-connect dropout schedule (`PDARTS/train_search.py`, `model.p` per epoch). No TensorFlow.js. */
import type { PdartsOptions } from './index.js';

/**
 * The skip-connect dropout of `epoch` in a stage (reference `model.p` before `update_p()`): while
 * only the weights train it falls linearly, then it decays exponentially.
 */
export function skipDropoutAt(epoch: number, rate: number, o: Pick<PdartsOptions, 'epochs' | 'archFreeEpochs' | 'skipDropoutDecay'>): number {
  return epoch < o.archFreeEpochs ? (rate * (o.epochs - epoch - 1)) / o.epochs : rate * Math.exp(-(epoch - o.archFreeEpochs) * o.skipDropoutDecay);
}

