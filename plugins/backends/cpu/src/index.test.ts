// The engine's declaration merging adds `activate` to core's Backend.
import type {} from '@naslab/engine';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import plugin, { createCpuBackend } from './index.js';

describe('@naslab/backend-cpu', () => {
  it('is always available and activates tfjs cpu', async () => {
    const b = await plugin.create({ options: {}, label: 'cpu', resolve: () => undefined as never });
    expect(await b.probe()).toEqual({ available: true });
    await b.activate({ threads: 1 });
    expect(tf.getBackend()).toBe('cpu');
    expect(tf.add(tf.scalar(1), tf.scalar(2)).dataSync()[0]).toBe(3);
  });
  it('ranks below every other backend', () => {
    expect(plugin.kind).toBe('backend');
    expect(createCpuBackend().priority).toBe(10);
  });
});
