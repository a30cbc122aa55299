import * as tf from '@tensorflow/tfjs';
import { uniqueVariable, type ParameterInfo } from '@naslab/engine';
import { beforeAll, describe, expect, it } from 'vitest';
import { averageDecayAt, WeightAverage } from './weight-average.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.enableProdMode();
});

const param = (path: string, values: number[], trainable = true): ParameterInfo =>
  ({ path, variable: uniqueVariable(tf.tensor1d(values), trainable, 'ema_test'), trainable }) as ParameterInfo;

describe('moving average of the weights (the reference, TF ExponentialMovingAverage with num_updates)', () => {
  it("ramps the decay as TensorFlow's num_updates does, then caps it at the reference's 0.9999", () => {
    expect(averageDecayAt(0.9999, 1)).toBeCloseTo(2 / 11, 12);
    expect(averageDecayAt(0.9999, 90)).toBeCloseTo(91 / 100, 12);
    expect(averageDecayAt(0.9999, 1e6)).toBe(0.9999);
  });

  it('averages every variable, BatchNorm statistics included, from its initial value; evaluates with the averages and puts the weights back', async () => {
    const w = param('w', [1, -2]);
    const stat = param('bn.running_mean', [0], false);
    const avg = new WeightAverage([w, stat], 0.5);
    // By hand: shadow ← shadow − (1 − d)(shadow − v), d = min(0.5, (1 + n)/(10 + n)) = 2/11, then 0.25 (n = 2 → 3/12).
    let sw = [1, -2];
    let ss = 0;
    const steps = [
      { w: [3, 0], s: 4 },
      { w: [5, 2], s: 8 },
    ];
    steps.forEach((v, i) => {
      w.variable.assign(tf.tensor1d(v.w));
      stat.variable.assign(tf.tensor1d([v.s]));
      avg.update(i + 1);
      const d = averageDecayAt(0.5, i + 1);
      sw = sw.map((s, k) => s - (1 - d) * (s - v.w[k]!));
      ss = ss - (1 - d) * (ss - v.s);
    });
    expect(Array.from(avg.shadowOf('w')!.dataSync())).toEqual(sw.map((x) => expect.closeTo(x, 5)));
    expect(avg.shadowOf('bn.running_mean')!.dataSync()[0]).toBeCloseTo(ss, 5);
    const seen = await avg.withAverages(async () => Array.from(w.variable.dataSync()));
    expect(seen).toEqual(sw.map((x) => expect.closeTo(x, 5)));
    expect(Array.from(w.variable.dataSync())).toEqual([5, 2]);
    // The averages survive a checkpoint.
    const state = await avg.state();
    const copy = new WeightAverage([w, stat], 0.5);
    copy.restore((name) => state.find((t) => t.name === name)?.values);
    expect(Array.from(copy.shadowOf('w')!.dataSync())).toEqual(Array.from(avg.shadowOf('w')!.dataSync()));
    expect(() => copy.restore(() => undefined)).toThrow(/ema:w/);
    for (const a of [avg, copy]) a.dispose();
    tf.dispose([w.variable, stat.variable]);
  });
});
