import * as tf from '@tensorflow/tfjs';
import { Rng } from '@naslab/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { DARTS_OPS, validateGenotype } from './genotype.js';
import {
  defaultEdgeMask,
  deriveCell,
  deriveGenotype,
  edgeEndpoints,
  edgeMixingWeights,
  edgesOfNode,
  NONE_INDEX,
  SUPERNET_EDGES,
  SUPERNET_OPS,
} from './supernet.js';
import { buildDartsSupernet, type DartsSupernet } from './supernet/model.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.enableProdMode();
});

const tiny = (seed = 'supernet', cells = 3): DartsSupernet =>
  buildDartsSupernet({ channels: 2, cells, classes: 3, inputShape: [8, 8, 1], rng: new Rng(seed) });

const input = (seed: string, n = 2) => {
  const r = new Rng(seed);
  return tf.tensor4d(Float32Array.from({ length: n * 64 }, () => r.normal()), [n, 8, 8, 1]);
};

const rowsWith = (f: (edge: number, op: number) => number) =>
  Array.from({ length: SUPERNET_EDGES }, (_, e) => Array.from({ length: SUPERNET_OPS }, (_, k) => f(e, k)));

describe('edge numbering', () => {
  it('14 edges: node k takes k+2 inputs, in reference order', () => {
    expect(edgesOfNode(0)).toEqual([0, 1]);
    expect(edgesOfNode(3)).toEqual([9, 10, 11, 12, 13]);
    expect(edgeEndpoints(5)).toEqual({ node: 2, input: 0 });
    expect(edgeEndpoints(13)).toEqual({ node: 3, input: 4 });
  });
});

describe('genotype derivation (reference genotype())', () => {
  for (const [k, op] of DARTS_OPS.entries()) {
    if (op === 'none') continue;
    it(`α favouring ${op} on every edge derives ${op} everywhere`, () => {
      const w = rowsWith((_e, kk) => (kk === k ? 0.6 : 0.4 / 7));
      const g = deriveGenotype({ normal: w, reduce: w });
      expect(g.normal.every(([o]) => o === op)).toBe(true);
      expect(g.reduce.every(([o]) => o === op)).toBe(true);
      expect(g.normalConcat).toEqual([2, 3, 4, 5]);
      validateGenotype(g);
    });
  }
  it('never picks none, even where none has the largest weight', () => {
    const w = rowsWith((e, k) => (k === NONE_INDEX ? 0.9 : k === 1 + (e % 7) ? 0.05 : 0.05 / 6));
    const cell = deriveCell(w);
    expect(cell.some(([o]) => o === 'none')).toBe(false);
    // node 0 (edges 0, 1): ops 1 + e
    expect(cell[0]).toEqual([DARTS_OPS[1], 0]);
    expect(cell[1]).toEqual([DARTS_OPS[2], 1]);
  });
  it('keeps per node the 2 inputs with the strongest non-none op, strongest first', () => {
    // node 3 (edges 9–13, inputs 0–4): input 3 strongest, then input 1; a large `none` on input 0 is ignored
    const w = rowsWith((e, k) => {
      if (e === 9) return k === NONE_INDEX ? 0.99 : 0.001;
      if (e === 12) return k === 5 ? 0.7 : 0.3 / 7;
      if (e === 10) return k === 3 ? 0.5 : 0.5 / 7;
      return 1 / 8;
    });
    const cell = deriveCell(w);
    expect(cell.slice(6)).toEqual([
      ['sep_conv_5x5', 3],
      ['skip_connect', 1],
    ]);
  });
  it('ties keep the lower input and the first op (stable, strict >)', () => {
    const cell = deriveCell(rowsWith(() => 1 / 8));
    expect(cell).toEqual([
      ['max_pool_3x3', 0],
      ['max_pool_3x3', 1],
      ['max_pool_3x3', 0],
      ['max_pool_3x3', 1],
      ['max_pool_3x3', 0],
      ['max_pool_3x3', 1],
      ['max_pool_3x3', 0],
      ['max_pool_3x3', 1],
    ]);
  });
  it('supernet.genotype() uses softmax(α): α set to favour an op gives it', () => {
    const net = tiny();
    const k = DARTS_OPS.indexOf('dil_conv_5x5');
    for (const c of ['normal', 'reduce'] as const) net.alphas[c].assign(tf.tensor2d(rowsWith((_e, kk) => (kk === k ? 2 : 0))));
    const g = net.genotype();
    expect(g.normal.every(([o]) => o === 'dil_conv_5x5') && g.reduce.every(([o]) => o === 'dil_conv_5x5')).toBe(true);
    net.dispose();
  });
});

describe('supernet', () => {
  it('builds the reference search network: α [14, 8] ≈ 1e-3·N(0,1), BN without affine parameters in cells', () => {
    const net = tiny();
    expect(net.cells.map((c) => c.reduction)).toEqual([false, true, true]);
    expect(net.alphas.normal.shape).toEqual([14, 8]);
    const a = Array.from(net.alphas.normal.dataSync());
    const std = Math.sqrt(a.reduce((s, v) => s + v * v, 0) / a.length);
    expect(std).toBeGreaterThan(5e-4);
    expect(std).toBeLessThan(2e-3);
    const paths = net.weightParameters().map((p) => p.path);
    expect(paths.some((p) => p.startsWith('alphas'))).toBe(false);
    // the only affine BN is the stem's
    const bnAffine = paths.filter((p) => /\.(weight|bias)$/.test(p) && net.parameters().some((q) => q.path === p.replace(/(weight|bias)$/, 'running_mean')));
    expect(bnAffine).toEqual(['stem.1.weight', 'stem.1.bias']);
    // pooling ops carry an affine-free BN, `none` has no module
    expect(net.parameters().some((p) => p.path === 'cells.0._ops.0._ops.1.1.running_mean')).toBe(true);
    expect(net.parameters().some((p) => p.path.startsWith('cells.0._ops.0._ops.0.'))).toBe(false);
    const out = net.run(input('x'), { training: true });
    expect(out.logits.shape).toEqual([2, 3]);
    net.dispose();
  });

  it('is deterministic in its rng', () => {
    const a = tiny('same');
    const b = tiny('same');
    expect(Array.from(a.alphas.reduce.dataSync())).toEqual(Array.from(b.alphas.reduce.dataSync()));
    const x = input('x');
    const ya = a.run(x, { training: true }).logits.dataSync();
    const yb = b.run(x, { training: true }).logits.dataSync();
    expect(Array.from(ya)).toEqual(Array.from(yb));
    a.dispose();
    b.dispose();
  });

  it('α get gradients through the mixed sums; weights and α are separate lists; freezing empties them', () => {
    const net = tiny();
    const x = input('x');
    const { grads } = tf.variableGrads(
      () => tf.sum(tf.square(net.run(x, { training: true }).logits)) as tf.Scalar,
      net.archParameters().map((p) => p.variable),
    );
    for (const g of Object.values(grads)) expect(tf.max(tf.abs(g)).dataSync()[0]).toBeGreaterThan(0);
    net.freeze({ alphas: true });
    expect(net.trainableAlphas()).toEqual([]);
    expect(net.trainableWeights().length).toBe(net.weightParameters().length);
    net.freeze({ weights: true, alphas: false });
    expect(net.trainableWeights()).toEqual([]);
    expect(net.trainableAlphas().length).toBe(2);
    net.dispose();
  });
});

describe('masks', () => {
  const ctx = { training: true };

  it("removing an op equals dropping its term from the mixed sum (MixedOp, exactly)", () => {
    const net = tiny();
    const edge = net.cells[0]!.edges[3]!;
    const x = tf.randomNormal([2, 8, 8, 2], 0, 1, 'float32', 3);
    const w = tf.unstack(tf.softmax(tf.tensor1d([0.3, -0.2, 0.1, 0.5, 0.4, -0.1, 0.2, 0.0]))) as tf.Scalar[];
    const removed = DARTS_OPS.indexOf('sep_conv_3x3');
    const masked = edge.mix(x, w.map((s, k) => (k === removed || k === NONE_INDEX ? null : s)), ctx);
    const manual = tf.addN(edge.ops.flatMap((op, k) => (op && k !== removed ? [tf.mul(op.forward(x, ctx), w[k]!)] : [])));
    expect(tf.max(tf.abs(tf.sub(masked, manual))).dataSync()[0]).toBeLessThan(1e-6);
    const full = edge.mix(x, w, ctx);
    const term = tf.mul(edge.ops[removed]!.forward(x, ctx), w[removed]!);
    expect(tf.max(tf.abs(tf.sub(tf.sub(full, term), masked))).dataSync()[0]).toBeLessThan(1e-5);
    net.dispose();
  });

  it('removeOp changes the network output exactly as zeroing that op weight (other weights unchanged)', () => {
    const net = tiny();
    const x = input('x');
    for (const c of ['normal', 'reduce'] as const) net.alphas[c].assign(tf.randomNormal([14, 8], 0, 1, 'float32', 7));
    const before = net.run(x, ctx).logits;
    const [cell, e, k] = ['normal', 5, DARTS_OPS.indexOf('dil_conv_3x3')] as const;
    const manual = tf.tidy(() => {
      const w = net.allMixingWeights();
      const zero = tf.oneHot([e * 8 + k], 14 * 8).reshape([14, 8]);
      return net.runWithWeights(x, ctx, { ...w, [cell]: tf.mul(w[cell], tf.sub(1, zero)) }).logits;
    });
    net.removeOp(cell, e, k);
    const after = net.run(x, ctx).logits;
    expect(tf.max(tf.abs(tf.sub(after, manual))).dataSync()[0]).toBeLessThan(1e-6);
    expect(tf.max(tf.abs(tf.sub(after, before))).dataSync()[0]).toBeGreaterThan(1e-6);
    const values = net.mixingWeightValues()[cell][e]!;
    const alpha = (net.alphas[cell].arraySync() as number[][])[e]!;
    const soft = edgeMixingWeights(alpha, defaultEdgeMask());
    values.forEach((v, kk) => expect(v).toBeCloseTo(kk === k ? 0 : soft[kk]!, 6));
    net.removeOp(cell, e, k, false);
    expect(tf.max(tf.abs(tf.sub(net.run(x, ctx).logits, before))).dataSync()[0]).toBeLessThan(1e-6);
    net.dispose();
  });

  it('projectOp fixes a one-hot edge, maskEdge removes the edge, setCandidates renormalises', () => {
    const net = tiny();
    const x = input('x');
    net.alphas.reduce.assign(tf.randomNormal([14, 8], 0, 1, 'float32', 9));
    net.projectOp('reduce', 2, 4);
    net.maskEdge('reduce', 7);
    net.setCandidates('reduce', 11, [true, false, true, true, false, true, true, true]);
    const w = net.mixingWeightValues().reduce;
    expect(w[2]).toEqual([0, 0, 0, 0, 1, 0, 0, 0]);
    expect(w[7]).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    const alpha = (net.alphas.reduce.arraySync() as number[][])[11]!;
    const expected = edgeMixingWeights(alpha, { ...defaultEdgeMask(), candidates: [true, false, true, true, false, true, true, true] });
    w[11]!.forEach((v, k) => expect(v).toBeCloseTo(expected[k]!, 6));
    expect(w[11]![1]).toBe(0);
    expect(w[11]!.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 6);
    const viaWeights = net.runWithWeights(x, ctx, net.allMixingWeights()).logits;
    const viaMasks = net.run(x, ctx).logits;
    expect(tf.max(tf.abs(tf.sub(viaWeights, viaMasks))).dataSync()[0]).toBeLessThan(1e-6);
    const state = net.maskState();
    const other = tiny();
    other.setMaskState(state);
    expect(other.edgeMask('reduce', 2).projected).toBe(4);
    net.dispose();
    other.dispose();
  });
});
