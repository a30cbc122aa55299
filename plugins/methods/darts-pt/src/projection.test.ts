import * as tf from '@tensorflow/tfjs';
import { Rng } from '@naslab/core';
import { DARTS_OPS, loadDartsSupernet } from '@naslab/space-darts';
import { beforeAll, describe, expect, it } from 'vitest';
import { dartsPtOptions } from './index.js';
import { selectEdges, selectOp, tuningLearningRate, type Judge } from './projection.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.enableProdMode();
});

async function tinyNet() {
  const { DartsSupernet } = await loadDartsSupernet();
  return new DartsSupernet({ channels: 2, cells: 3, classes: 3, inputShape: [8, 8, 1], rng: new Rng('pt') });
}

// A judge that reads the masks through the mixing weights (no forward pass): the "damage" of a
// perturbation is how much importance-weighted mixing weight it took away.
const importance = [5, 1, 2, 3, 9, 4, 6, 7]; // per op; `none` (index 0) the largest on purpose
const judgeFrom = (edgeImportance: (e: number) => number): Judge => (net) => {
  const w = net.mixingWeightValues().normal;
  let kept = 0;
  w.forEach((row, e) => row.forEach((v, k) => (kept += v * importance[k]! * edgeImportance(e))));
  return -kept;
};

describe('DARTS-PT selection', () => {
  it('selectOp keeps the op whose removal hurts most, never none, and restores the edge', async () => {
    const net = await tinyNet();
    const { op, scores } = selectOp(net, 'normal', 3, judgeFrom(() => 1));
    expect(DARTS_OPS[op]).toBe('sep_conv_3x3');
    expect(scores).toHaveLength(7);
    expect(net.edgeMask('normal', 3).removed.every((r) => !r)).toBe(true);
    net.dispose();
  });

  it('selectEdges keeps the 2 edges whose removal hurts most and unmasks the others', async () => {
    const net = await tinyNet();
    // node 3 (index 3): edges 9–13; edges 10 and 13 matter most
    const { kept } = selectEdges(net, 'normal', 3, judgeFrom((e) => (e === 10 ? 5 : e === 13 ? 4 : 1)));
    expect([...kept].sort()).toEqual([10, 13]);
    expect([9, 10, 11, 12, 13].every((e) => !net.edgeMask('normal', e).masked)).toBe(true);
    net.dispose();
  });

  it('selectOp with the real validation judge scores each removal by a forward pass', async () => {
    const net = await tinyNet();
    const x = tf.randomNormal([4, 8, 8, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
    const base = net.run(x, { training: true }).logits.dataSync()[0]!;
    const judge: Judge = (n) => tf.tidy(() => Math.abs(n.run(x, { training: true }).logits.dataSync()[0]! - base));
    const { op, scores } = selectOp(net, 'normal', 0, judge);
    expect(scores.every((s) => s > 0)).toBe(true); // every removal changes the output
    expect(scores[op - 1]).toBe(Math.max(...scores));
    net.dispose();
  });

  it('options: reference defaults (the projection interval of the released scripts, not argparse)', () => {
    const o = dartsPtOptions.parse({});
    expect([o.projectionInterval, o.criterion, o.fixAlpha, o.epochs]).toEqual([5, 'accuracy', false, 50]);
  });

  it('tunes at a constant learning_rate / 10 (the reference never steps its scheduler); cosine is an option', () => {
    const o = dartsPtOptions.parse({});
    expect(o.tuneSchedule).toBe('constant');
    const lr = o.learningRate / 10;
    expect([0, 40, 80].map((e) => tuningLearningRate(e, 81, lr, o))).toEqual([0.0025, 0.0025, 0.0025]);
    const cosine = dartsPtOptions.parse({ tuneSchedule: 'cosine' });
    expect(tuningLearningRate(0, 81, lr, cosine)).toBeCloseTo(0.0025, 12);
    expect(tuningLearningRate(80, 81, lr, cosine)).toBeLessThan(0.0012);
  });
});
