import type * as tf from '@tensorflow/tfjs';
import type { Rng, TrainingProtocol, Trick } from '@naslab/core';
import type { ForwardContext, Module } from './module.js';
import type { EdgeInfo, Network, NetworkOutput, NetworkSpec } from './network.js';

/** Where the loop is, as hooks see it. */
export interface EpochState {
  /** 0-based epoch. */
  readonly epoch: number;
  readonly epochs: number;
  readonly protocol: TrainingProtocol;
  readonly network: Network;
  /** Learning rate of this epoch. */
  readonly lr: number;
}

export interface PixelBatch {
  /** Raw pixels (0–255), NHWC, `count` images of `shape`. Modify in place or return a new array. */
  readonly pixels: Uint8Array;
  readonly labels: Int32Array;
  readonly count: number;
  readonly shape: readonly [number, number, number];
}

export interface ExtraLossInput {
  readonly output: NetworkOutput;
  /** Integer labels, [batch]. */
  readonly labels: tf.Tensor1D;
  readonly classes: number;
  readonly ctx: ForwardContext;
}

/**
 * The training loop's extension points. A trick implements some of them; the loop calls every
 * trick's hooks in manifest order and never names a trick. With no hooks, the loop's maths is
 * exactly that of plain training.
 */
export interface TrainingHooks {
  /** Change the network after the space built it (attach an auxiliary head…). */
  buildNetwork?(network: Network, spec: NetworkSpec): void;
  /** Wrap each edge op while the space assembles its cells (drop-path…). */
  wrapOp?(op: Module, info: EdgeInfo): Module;
  /** Batch of raw pixels before normalisation (crop, flip, AutoAugment…). */
  augmentPixels?(batch: PixelBatch, rng: Rng): Uint8Array | void;
  /** Normalised batch tensor [n,h,w,c] (cutout…); return the new tensor. */
  augmentBatch?(x: tf.Tensor4D, rng: Rng): tf.Tensor4D;
  /** A scalar added to the loss (0.4 · CE of the auxiliary head…). */
  extraLoss?(input: ExtraLossInput): tf.Scalar | undefined;
  epochStart?(state: EpochState): void;
  epochEnd?(state: EpochState): void;
}

export type TrainingTrick = Trick<TrainingHooks>;

/** Compose the wrapOp hooks of several tricks, first trick innermost. */
export function composeWrapOp(hooks: readonly TrainingHooks[]): ((op: Module, info: EdgeInfo) => Module) | undefined {
  const wrappers = hooks.filter((h) => h.wrapOp);
  if (wrappers.length === 0) return undefined;
  return (op, info) => wrappers.reduce((m, h) => h.wrapOp!(m, info), op);
}
