import * as tf from '@tensorflow/tfjs';
import { Rng } from '@naslab/core';
import { describe, expect, it } from 'vitest';
import { countParameters } from './module.js';
import { cifarStem, IMAGENET_STEM_MIN_SIDE, imagenetStems, resolveStem } from './stems.js';

describe('resolveStem', () => {
  it('auto (or unset) picks the ImageNet stem from 65 px on the shorter side, a named stem always wins', () => {
    expect(IMAGENET_STEM_MIN_SIDE).toBe(65);
    expect(resolveStem('auto', [224, 224, 3])).toBe('imagenet');
    expect(resolveStem(undefined, [65, 200, 3])).toBe('imagenet');
    expect(resolveStem('auto', [200, 64, 3])).toBe('cifar');
    expect(resolveStem('auto', [32, 32, 3])).toBe('cifar');
    expect(resolveStem('cifar', [224, 224, 3])).toBe('cifar');
    expect(resolveStem('imagenet', [28, 28, 1])).toBe('imagenet');
  });
});

describe('cifarStem and imagenetStems', () => {
  it('the ImageNet stems take 224 px to 28 px with the reference widths; the CIFAR stem keeps the size', () => {
    const rng = new Rng('stems');
    const { stem0, stem1 } = imagenetStems(rng, 3, 48);
    const ctx = { training: false };
    const x = tf.zeros([1, 224, 224, 3]);
    const s0 = stem0.forward(x, ctx);
    expect(s0.shape).toEqual([1, 56, 56, 48]);
    expect(stem1.forward(s0, ctx).shape).toEqual([1, 28, 28, 48]);
    // convs without bias: 3·3·3·24 + 3·3·24·48 + 3·3·48·48; BN affine: 2·(24 + 48 + 48)
    expect(countParameters(stem0) + countParameters(stem1)).toBe(648 + 10368 + 20736 + 240);
    const cifar = cifarStem(rng, 3, 48);
    expect(cifar.forward(tf.zeros([1, 32, 32, 3]), ctx).shape).toEqual([1, 32, 32, 48]);
    expect(countParameters(cifar)).toBe(3 * 3 * 3 * 48 + 2 * 48);
  });
});
