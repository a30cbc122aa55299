import * as tf from '@tensorflow/tfjs';
import { Rng } from '@naslab/core';
import { checkGradients, countParameters } from '@naslab/engine';
import { beforeAll, describe, expect, it } from 'vitest';
import { CNAS_OPS } from './genotype.js';
import { AdaptiveAvgPoolFlat, ChannelShuffle, cnasOpParameterCount, CWeightCom, makeCnasOp, ShuffleConv } from './ops.js';

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

describe('CNAS ops', () => {
  const rng = new Rng('cnas-ops');

  for (const [name, groups] of [['cweight_com', 1], ['shuffle_conv_3x3', 1], ['shuffle_conv_3x3', 4]] as const) {
    for (const stride of [1, 2]) {
      it(`${name}${name === 'shuffle_conv_3x3' ? ` groups ${groups}` : ''} stride ${stride}: gradients (finite differences) and parameter count`, () => {
        const m = makeCnasOp(name, 16, stride, rng, { shuffleGroups: groups });
        expect(countParameters(m)).toBe(cnasOpParameterCount(name, 16, stride, { shuffleGroups: groups }));
        expectGradientsMatch(checkGradients(m, [2, 6, 6, 16], rng.split(`${name}/${groups}/${stride}`), { probes: 8, eps: 3e-4 }).errors);
        m.dispose();
      });
    }
  }

  it('every op has the analytic count at 32 channels (groups 1 and 4), as the reference constructors', () => {
    // `sum(p.numel())` of OPS[name](32, stride, True) in CNAS/darts/operations.py (PyTorch 1.13):
    // cweight_com 162 / 514; shuffle_conv_3x3 (groups 1, the OPS table) 2528 at both strides
    const reference: Record<string, [number, number]> = {
      none: [0, 0], skip_connect: [0, 1088], cweight_com: [162, 514], avg_pool_3x3: [0, 0], max_pool_3x3: [0, 0],
      sep_conv_3x3: [2752, 2752], dil_conv_3x3: [1376, 1376], shuffle_conv_3x3: [2528, 2528],
    };
    for (const name of CNAS_OPS) {
      for (const [i, stride] of [1, 2].entries()) {
        const m = makeCnasOp(name, 32, stride, rng, { shuffleGroups: 1 });
        expect(countParameters(m), `${name} stride ${stride}`).toBe(reference[name]![i]);
        expect(cnasOpParameterCount(name, 32, stride, { shuffleGroups: 1 })).toBe(reference[name]![i]);
        m.dispose();
      }
    }
    // groups 4 at 32 channels: 1×1 convs 32→8 and 8→32 in 4 groups (64 + 64), dw 72, BNs 16+16+64
    expect(cnasOpParameterCount('shuffle_conv_3x3', 32, 1, { shuffleGroups: 4 })).toBe(296);
  });

  it('cweight_com re-weights channels by σ(FC(ReLU(FC(mean)))); below 16 channels by σ(0) = ½', () => {
    const se = new CWeightCom(rng, 16, 1);
    const x = tf.randomNormal([2, 5, 5, 16], 0, 1, 'float32', 4);
    const [w1, b1, w2, b2] = se.parameters().map((p) => p.variable);
    const expected = tf.mul(x, tf.reshape(tf.sigmoid(tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(tf.mean(x, [1, 2]), w1!), b1!)), w2!), b2!)), [2, 1, 1, 16]));
    expect(tf.max(tf.abs(tf.sub(se.forward(x, { training: true }), expected))).dataSync()[0]).toBeLessThan(1e-6);
    const small = new CWeightCom(rng, 8, 1);
    expect(small.hidden).toBe(0);
    expect(countParameters(small)).toBe(8);
    const y = small.forward(tf.ones([1, 3, 3, 8]), { training: true });
    expect(Array.from(y.dataSync()).every((v) => Math.abs(v - 0.5) < 1e-7)).toBe(true);
  });

  it('shuffle_conv_3x3 with groups 4 refuses channel counts whose groups do not divide (36: 9 mid channels)', () => {
    expect(() => new ShuffleConv(rng, 36, 1, 4)).toThrow(/shuffle_conv_3x3 at 36 channels with groups=4: .*36\/4 = 9 divisible by 4/);
    expect(() => new ShuffleConv(rng, 36, 1, 1)).not.toThrow();
  });

  it('channel shuffle moves channel g·(C/g) + j to j·g + g (ShuffleNet)', () => {
    const x = tf.tensor4d(Array.from({ length: 8 }, (_, c) => c), [1, 1, 1, 8]);
    expect(Array.from(new ChannelShuffle(2).forward(x).dataSync())).toEqual([0, 4, 1, 5, 2, 6, 3, 7]);
    expect(Array.from(new ChannelShuffle(4).forward(x).dataSync())).toEqual([0, 2, 4, 6, 1, 3, 5, 7]);
  });

  it('the stride-2 shortcut pool counts its zero padding (PyTorch AvgPool2d default); the adaptive pool overlaps at 7 → 2', () => {
    // a zero branch isolates the shortcut: ReLU(0 + pool(1)) in the corner is 4 real ones of 9 taps
    const unit = new ShuffleConv(rng, 4, 2, 1);
    for (const p of unit.parameters()) if (p.trainable) p.variable.assign(tf.zerosLike(p.variable));
    expect(unit.forward(tf.ones([1, 4, 4, 4]), { training: false }).dataSync()[0]).toBeCloseTo(4 / 9, 6);
    const ramp = tf.tensor4d(Array.from({ length: 49 }, (_, i) => i), [1, 7, 7, 1]);
    // windows [0, 4) and [3, 7) on both axes
    const mean = (r0: number, c0: number) => {
      let s = 0;
      for (let r = r0; r < r0 + 4; r++) for (let c = c0; c < c0 + 4; c++) s += 7 * r + c;
      return s / 16;
    };
    const got = Array.from(new AdaptiveAvgPoolFlat(2).forward(ramp, { training: false }).dataSync());
    expect(got.map((v) => Math.round(v * 1e4) / 1e4)).toEqual([mean(0, 0), mean(0, 3), mean(3, 0), mean(3, 3)]);
  });
});
