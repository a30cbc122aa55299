import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { nesterovUpdate } from './child-optimiser.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('Nesterov SGD of the shared child', () => {
  it('two steps match the hand arithmetic of TF use_nesterov (and differ from heavy ball)', () => {
    const w = tf.variable(tf.tensor1d([1, -2]));
    const buf = tf.variable(tf.zeros([2]));
    const o = { lr: 0.1, momentum: 0.9, weightDecay: 0.5 };
    // step 1, g = [2, 4]: g' = g + 0.5·w = [2.5, 3]; buf = [2.5, 3]; w −= 0.1·(g' + 0.9·buf) = 0.1·[4.75, 5.7]
    tf.tidy(() => nesterovUpdate(w, buf, tf.tensor1d([2, 4]), o));
    expect(Array.from(buf.dataSync())).toEqual([2.5, 3].map(Math.fround));
    const w1 = w.dataSync();
    expect(w1[0]).toBeCloseTo(0.525, 6);
    expect(w1[1]).toBeCloseTo(-2.57, 6);
    // step 2, g = [1, 0]: g' = [1 + 0.2625, −1.285] = [1.2625, −1.285]; buf = 0.9·[2.5, 3] + g' = [3.5125, 1.415]
    // w −= 0.1·(g' + 0.9·buf) = 0.1·[4.42375, −0.0115] (heavy ball would subtract 0.1·buf = [0.35125, 0.1415])
    tf.tidy(() => nesterovUpdate(w, buf, tf.tensor1d([1, 0]), o));
    const b2 = buf.dataSync();
    expect(b2[0]).toBeCloseTo(3.5125, 5);
    expect(b2[1]).toBeCloseTo(1.415, 5);
    const w2 = w.dataSync();
    expect(w2[0]).toBeCloseTo(0.525 - 0.442375, 5);
    expect(w2[1]).toBeCloseTo(-2.57 + 0.00115, 5);
    w.dispose();
    buf.dispose();
  });
});
