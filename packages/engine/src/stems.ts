import type { Rng } from '@naslab/core';
import { BatchNorm, Conv2d, ReLU } from './layers.js';
import { type Module, Sequential } from './module.js';

/**
 * The stem rule the cell spaces share: at `auto`, inputs from 65 px on the shorter side get the
 * ImageNet stem (DARTS' `NetworkImageNet`: three stride-2 convs), smaller ones the CIFAR stem.
 * 65 px sits between CIFAR's 32 and 64 px and the paper's 224-px datasets.
 */
export const IMAGENET_STEM_MIN_SIDE = 65;

/** A space's `stem` option: a stem by name, or `auto` to choose it by the input size. */
export type StemChoice = 'auto' | 'cifar' | 'imagenet';

/** The stem `stem` stands for at this input (`auto` or unset → `imagenet` from 65 px on the shorter side). */
export function resolveStem(stem: StemChoice | undefined, inputShape: readonly [number, number, number]): 'cifar' | 'imagenet' {
  if (stem === 'cifar' || stem === 'imagenet') return stem;
  return Math.min(inputShape[0], inputShape[1]) >= IMAGENET_STEM_MIN_SIDE ? 'imagenet' : 'cifar';
}

/** DARTS' CIFAR stem (`NetworkCIFAR.stem`): a 3×3 convolution to `width` channels, then BN. */
export function cifarStem(rng: Rng, inChannels: number, width: number): Module {
  return new Sequential([new Conv2d(rng, { inChannels, outChannels: width, kernel: 3, padding: 1 }), new BatchNorm(width)]);
}

/**
 * DARTS' ImageNet stems (`NetworkImageNet.stem0`/`stem1`, 224 → 28 px), which the other cell
 * spaces' 224-px networks copy: stem0 = 3×3/2 conv to ⌊width/2⌋, BN, ReLU, 3×3/2 conv to `width`,
 * BN; stem1 = ReLU, 3×3/2 conv, BN. Built in that order, so the weights draw from `rng` as before.
 */
export function imagenetStems(rng: Rng, inChannels: number, width: number): { stem0: Module; stem1: Module } {
  const half = Math.floor(width / 2);
  const conv = (cin: number, cout: number) => new Conv2d(rng, { inChannels: cin, outChannels: cout, kernel: 3, stride: 2, padding: 1 });
  const stem0 = new Sequential([conv(inChannels, half), new BatchNorm(half), new ReLU(), conv(half, width), new BatchNorm(width)]);
  const stem1 = new Sequential([new ReLU(), conv(width, width), new BatchNorm(width)]);
  return { stem0, stem1 };
}
