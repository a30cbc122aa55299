import * as tf from '@tensorflow/tfjs';
import type { Network } from './network.js';

/** Multiply-adds of the conv and linear layers for one image of `inputShape` (eval mode). */
export function countFlops(network: Network, inputShape: readonly [number, number, number]): number {
  const counter = { macs: 0 };
  tf.tidy(() => {
    network.run(tf.zeros([1, ...inputShape]) as tf.Tensor4D, { training: false, flops: counter });
  });
  return counter.macs;
}
