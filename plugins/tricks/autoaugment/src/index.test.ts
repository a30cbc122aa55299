import { describe, expect, it } from 'vitest';
import { Rng } from '@naslab/core';
import plugin from './index.js';

describe('autoaugment trick', () => {
  it('augments the raw pixel batch in place through augmentPixels', async () => {
    const trick = await plugin.create({ options: plugin.options!.parse({}), label: 'autoaugment', resolve: () => undefined as never });
    const pixels = Uint8Array.from({ length: 16 * 8 * 8 * 3 }, (_, i) => (i * 37) % 256);
    const before = pixels.slice();
    const r = trick.hooks.augmentPixels!({ pixels, labels: new Int32Array(16), count: 16, shape: [8, 8, 3] }, new Rng(2));
    expect(r).toBeUndefined();
    expect(pixels).not.toEqual(before);
  });
  it('rejects unknown options', () => {
    expect(plugin.options!.safeParse({ policy: 'imagenet' }).success).toBe(false);
  });
});
