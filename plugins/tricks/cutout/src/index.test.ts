import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '@naslab/core';
import plugin from './index.js';

tf.enableProdMode();

describe('cutout trick', () => {
  it('zeroes one 4×4 square (all channels) of each normalised image through augmentBatch', async () => {
    const options = plugin.options!.parse({ length: 4 });
    expect(options).toEqual({ length: 4, holes: 1 });
    const trick = await plugin.create({ options, label: 'cutout', resolve: () => undefined as never });
    const x = tf.add(tf.randomUniform([3, 12, 12, 2]), 1) as tf.Tensor4D; // no zeros
    const y = trick.hooks.augmentBatch!(x, new Rng(4));
    const v = y.dataSync();
    for (let n = 0; n < 3; n++) {
      let zeros = 0;
      for (let i = n * 288; i < (n + 1) * 288; i++) if (v[i] === 0) zeros++;
      expect(zeros).toBeGreaterThan(0);
      expect(zeros).toBeLessThanOrEqual(16 * 2);
      expect(zeros % 2).toBe(0);
    }
  });
});
