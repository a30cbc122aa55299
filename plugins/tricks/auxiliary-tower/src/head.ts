import type { Rng } from '@naslab/core';
import type { ForwardContext, Module } from '@naslab/engine';
import type * as tfTypes from '@tensorflow/tfjs';
import { auxiliaryHeadGeometry, type AuxiliaryHeadKind } from './geometry.js';

export interface AuxiliaryHeadSize {
  /** Channels of the 1×1 conv (DARTS: 128). */
  readonly hiddenChannels: number;
  /** Channels before the classifier (DARTS: 768). */
  readonly featureChannels: number;
  /** `cifar` (default; pool stride 3) or `imagenet` (pool stride 2, `AuxiliaryHeadImageNet`). */
  readonly kind?: AuxiliaryHeadKind;
}

export type AuxiliaryHeadBuilder = (
  inputShape: readonly [number, number, number],
  classes: number,
  size: AuxiliaryHeadSize,
  rng: Rng,
) => Module;

/**
 * Load tfjs and the engine, and return a synchronous builder of DARTS' AuxiliaryHeadCIFAR or
 * AuxiliaryHeadImageNet (`buildNetwork` hooks cannot await): ReLU, avg-pool 5 stride 3 (2 for
 * ImageNet) without padding, 1×1 conv → BN →
 * ReLU, k×k conv → BN → ReLU (k = pooled side, 2 at 8×8), flatten, linear. Convs without bias,
 * as the reference.
 */
export async function loadAuxiliaryHeadBuilder(): Promise<AuxiliaryHeadBuilder> {
  const tf = await import('@tensorflow/tfjs');
  const engine = await import('@naslab/engine');

  class AuxiliaryHead extends engine.Module {
    private readonly features: Module;
    private readonly classifier: Module;
    constructor(features: Module, classifier: Module) {
      super();
      this.features = this.child('features', features);
      this.classifier = this.child('classifier', classifier);
    }
    forward(x: tfTypes.Tensor, ctx: ForwardContext): tfTypes.Tensor {
      const y = this.features.forward(x, ctx);
      return this.classifier.forward(tf.reshape(y, [y.shape[0]!, -1]), ctx);
    }
  }

  return (inputShape, classes, size, rng) => {
    const [h, w, c] = inputShape;
    const g = auxiliaryHeadGeometry(h, w, size.kind);
    const features = new engine.Sequential([
      new engine.ReLU(),
      new engine.AvgPool(g.poolKernel, g.poolStride, 0),
      new engine.Conv2d(rng, { inChannels: c, outChannels: size.hiddenChannels, kernel: 1 }),
      new engine.BatchNorm(size.hiddenChannels),
      new engine.ReLU(),
      new engine.Conv2d(rng, { inChannels: size.hiddenChannels, outChannels: size.featureChannels, kernel: g.convKernel }),
      new engine.BatchNorm(size.featureChannels),
      new engine.ReLU(),
    ]);
    return new AuxiliaryHead(features, new engine.Linear(rng, size.featureChannels, classes));
  };
}
