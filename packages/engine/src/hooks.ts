import type * as tf from '@tensorflow/tfjs';
import type { Rng, Trick } from '@naslab/core';
import type { ForwardContext, Module } from './module.js';
import type { EdgeInfo, Network, NetworkOutput, NetworkSpec, TrainableSpace } from './network.js';
import type { EngineProtocol } from './protocol.js';

/** Where the loop is, as hooks see it. */
export interface EpochState {
  /** 0-based epoch. */
  readonly epoch: number;
  readonly epochs: number;
  readonly protocol: EngineProtocol;
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

/** The names of the hooks the loop calls: a trick with any other is refused when a study is prepared. */
export const TRAINING_HOOKS = ['buildNetwork', 'wrapOp', 'augmentPixels', 'augmentBatch', 'extraLoss', 'epochStart', 'epochEnd'] as const satisfies readonly (keyof TrainingHooks)[];

// The engine calls tricks' hooks, drives backends and trains spaces: it declares what those are in
// core's contracts (as Vite extends Rolldown's plugin context), so a trick's `hooks` and a
// backend's `activate` are type-checked against this loop.
declare module '@naslab/core' {
  interface TrickHooks extends TrainingHooks {}
  interface Backend {
    /**
     * Make this backend the active tfjs backend in this process; it may say which device it runs
     * on (recorded with the results).
     */
    activate(options: { threads: number }): Promise<void | { device?: string }>;
  }
  interface SpaceCapabilities {
    /** Builds the networks the engine trains (`buildNetwork`). */
    trainable: TrainableSpace<any>;
  }
}

export type TrainingTrick = Trick;

/** Compose the wrapOp hooks of several tricks, first trick innermost. */
export function composeWrapOp(hooks: readonly TrainingHooks[]): ((op: Module, info: EdgeInfo) => Module) | undefined {
  const wrappers = hooks.filter((h) => h.wrapOp);
  if (wrappers.length === 0) return undefined;
  return (op, info) => wrappers.reduce((m, h) => h.wrapOp!(m, info), op);
}
