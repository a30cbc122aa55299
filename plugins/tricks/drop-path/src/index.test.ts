import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '@naslab/core';
import { Conv2d, Identity, type EdgeInfo, type EpochState, type Module } from '@naslab/engine';
import plugin from './index.js';

tf.enableProdMode();

const edge = (identity: boolean): EdgeInfo => ({ cell: 0, edge: 0, op: identity ? 'skip_connect' : 'sep_conv_3x3', reduction: false, identity });

describe('drop-path trick', () => {
  it('wraps non-identity ops only, keeps parameter paths, and drops whole samples in training', async () => {
    const trick = await plugin.create({ options: plugin.options!.parse({ probability: 0.5 }), label: 'drop-path', resolve: () => undefined as never });
    const identity = new Identity();
    expect(trick.hooks.wrapOp!(identity, edge(true))).toBe(identity);
    const conv = new Conv2d(new Rng(0), { inChannels: 2, outChannels: 2, kernel: 1 });
    const wrapped: Module = trick.hooks.wrapOp!(conv, edge(false));
    expect(wrapped).not.toBe(conv);
    expect(wrapped.parameters().map((p) => p.path)).toEqual(conv.parameters().map((p) => p.path));

    const x = tf.add(tf.randomUniform([64, 2, 2, 2]), 1);
    const plain = conv.forward(x, { training: true }).arraySync() as number[][][][];
    // Epoch 0 of a linear ramp: p = 0, nothing dropped.
    trick.hooks.epochStart!({ epoch: 0, epochs: 10 } as EpochState);
    expect(wrapped.forward(x, { training: true, rng: new Rng(1) }).arraySync()).toEqual(plain);
    // Epoch 5 of 10: p = 0.25; kept samples are scaled by exactly 1/(1 − p).
    trick.hooks.epochStart!({ epoch: 5, epochs: 10 } as EpochState);
    const out = wrapped.forward(x, { training: true, rng: new Rng(1) }).arraySync() as number[][][][];
    let dropped = 0;
    out.forEach((sample, n) => {
      const a = sample.flat(2);
      const b = plain[n]!.flat(2);
      if (a.every((v) => v === 0)) dropped++;
      else a.forEach((v, i) => expect(v).toBeCloseTo(b[i]! / 0.75, 5));
    });
    expect(dropped).toBeGreaterThan(0);
    expect(dropped).toBeLessThan(64);
    // Evaluation never drops.
    expect(wrapped.forward(x, { training: false }).arraySync()).toEqual(plain);
  });
});
