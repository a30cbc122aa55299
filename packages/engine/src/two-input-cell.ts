import * as tf from '@tensorflow/tfjs';
import { Module, type ForwardContext } from './module.js';

/**
 * A cell of the DARTS family of spaces (DARTS, CNAS, NAO, ENAS micro, NSGA-Net micro): it reads
 * the outputs of the two previous cells, so it is called through `forward2`, never `forward`.
 */
export abstract class TwoInputCell extends Module {
  abstract forward2(s0: tf.Tensor, s1: tf.Tensor, ctx: ForwardContext): tf.Tensor;

  forward(): tf.Tensor {
    throw new Error(`${this.constructor.name} takes two inputs: use forward2`);
  }
}

/**
 * The nodes of a fixed cell, appended to `states`: node i is branch 2i applied to state
 * `inputs[2i]` plus branch 2i+1 applied to state `inputs[2i+1]` (the spaces' `forward` loops).
 */
export function sumBranchPairs(states: tf.Tensor[], branches: readonly Module[], inputs: readonly number[], ctx: ForwardContext): tf.Tensor[] {
  for (let i = 0; i < branches.length / 2; i++) {
    // The branches' intermediates go as soon as the node is summed (what backprop needs of them
    // it saved), not when the whole forward pass ends: the forward peak holds one node's.
    states.push(
      tf.tidy(() => {
        const a = branches[2 * i]!.forward(states[inputs[2 * i]!]!, ctx);
        const b = branches[2 * i + 1]!.forward(states[inputs[2 * i + 1]!]!, ctx);
        return tf.add(a, b);
      }),
    );
  }
  return states;
}

/** Cell outputs concatenated along channels (NHWC), or the one output itself. */
export function concatChannels(parts: readonly tf.Tensor[]): tf.Tensor {
  return parts.length === 1 ? parts[0]! : tf.concat(parts as tf.Tensor[], 3);
}
