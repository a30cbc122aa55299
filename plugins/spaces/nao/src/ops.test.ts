import * as tf from '@tensorflow/tfjs';
import { Rng } from '@naslab/core';
import { checkGradients, countParameters } from '@naslab/engine';
import { beforeAll, describe, expect, it } from 'vitest';
import { NAO_OPS } from './arch.js';
import { Dropout, makeNaoOp, NaoFactorizedReduce, naoOpParameterCount } from './ops.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.enableProdMode();
});

/** ≥ 80 % of probes within 2e-2 and a median below 5e-3 (as the DARTS ops' check: ReLU kinks). */
function expectGradientsMatch(errors: readonly number[]) {
  const sorted = [...errors].sort((a, b) => a - b);
  expect(sorted.filter((e) => e < 2e-2).length / sorted.length).toBeGreaterThanOrEqual(0.8);
  expect(sorted[Math.floor(sorted.length / 2)]!).toBeLessThan(5e-3);
}

const values = (t: tf.Tensor) => Array.from(t.dataSync()).map((v) => Math.round(v * 1e5) / 1e5);

describe('NAO ops', () => {
  const rng = new Rng('nao-ops');

  it('every op id has the analytic parameter count and halves the resolution at stride 2 (also on odd sizes)', () => {
    NAO_OPS.forEach((name, id) => {
      for (const stride of [1, 2]) {
        const m = makeNaoOp(id, 8, stride, rng, false);
        expect(countParameters(m), `${id} ${name} stride ${stride}`).toBe(naoOpParameterCount(id, 8, stride));
        for (const size of [8, 7]) {
          const shape = tf.tidy(() => m.forward(tf.ones([1, size, size, 8]), { training: true }).shape);
          expect(shape, `${id} ${name} stride ${stride} at ${size}`).toEqual([1, Math.ceil(size / stride), Math.ceil(size / stride), 8]);
        }
        m.dispose();
      }
    });
  });

  // the ops NAO adds to DARTS' (whose gradients the DARTS space checks)
  for (const [id, stride] of [[8, 1], [9, 2], [4, 2], [10, 2], [13, 1], [14, 2], [15, 1]] as const) {
    it(`op ${id} ${NAO_OPS[id]} stride ${stride}: gradients (finite differences)`, () => {
      const m = makeNaoOp(id, 4, stride, rng, false);
      expectGradientsMatch(checkGradients(m, [2, 6, 6, 4], rng.split(`${id}/${stride}`), { probes: 8, eps: 3e-4 }).errors);
      m.dispose();
    });
  }

  it('2×2 pools pad right and bottom with zeros (max sees them; the average counts them); 14, 15 count padding, 2 does not', () => {
    const minus = tf.fill([1, 3, 3, 1], -1);
    expect(values(makeNaoOp(10, 1, 1, rng, false).forward(minus, { training: false }))).toEqual([-1, -1, 0, -1, -1, 0, 0, 0, 0]);
    const ones = tf.ones([1, 3, 3, 1]);
    expect(values(makeNaoOp(13, 1, 1, rng, false).forward(ones, { training: false }))).toEqual([1, 1, 0.5, 1, 1, 0.5, 0.5, 0.5, 0.25]);
    expect(values(makeNaoOp(14, 1, 1, rng, false).forward(ones, { training: false }))[0]).toBeCloseTo(4 / 9, 5);
    expect(values(makeNaoOp(2, 1, 1, rng, false).forward(ones, { training: false }))[0]).toBe(1);
  });

  it('FactorizedReduce: path 2 reads the input shifted by one pixel; no ReLU unless asked', () => {
    const fr = new NaoFactorizedReduce(rng, 1, 2, false);
    // unit weights, BN in eval mode at running stats (0, 1): the two paths' samples pass through
    for (const p of fr.parameters()) if (p.path.endsWith('weight') && p.variable.shape.length === 4) p.variable.assign(tf.onesLike(p.variable));
    const x = tf.tensor4d([-1, -2, -3, -4, -5, -6, -7, -8, -9], [1, 3, 3, 1]);
    const y = fr.forward(x, { training: false });
    expect(y.shape).toEqual([1, 2, 2, 2]);
    const eps = Math.sqrt(1 + 1e-5);
    // path 1 at (0,0),(0,2),(2,0),(2,2); path 2 at (1,1),(1,3)=pad,(3,1)=pad,(3,3)=pad
    const expected = [-1, -5, -3, 0, -7, 0, -9, 0].map((v) => v / eps);
    Array.from(y.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
    const withRelu = new NaoFactorizedReduce(rng, 1, 2, true);
    expect(Math.max(...withRelu.forward(x, { training: false }).dataSync())).toBe(0);
  });

  it('dropout: identity in evaluation; in training drops a p fraction and scales the rest by 1/(1 − p)', () => {
    const d = new Dropout(0.4);
    const x = tf.ones([50, 200]);
    expect(values(d.forward(x, { training: false })).every((v) => v === 1)).toBe(true);
    const y = Array.from(d.forward(x, { training: true, rng: new Rng('dropout') }).dataSync());
    const dropped = y.filter((v) => v === 0).length / y.length;
    expect(Math.abs(dropped - 0.4)).toBeLessThan(0.02);
    expect(y.filter((v) => v !== 0).every((v) => Math.abs(v - 1 / 0.6) < 1e-6)).toBe(true);
  });
});
