import * as tf from '@tensorflow/tfjs';
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '@naslab/core';
import { countParameters, trainFromScratch, type EdgeInfo, type Module } from '@naslab/engine';
import { syntheticDataset, tinyContext, tinyProtocol } from '@naslab/engine/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENAS_FINAL_ARC, ENAS_PAPER_FIGURE_ARC, parseEnasArc } from './arc.js';
import { createEnasSpace, ENAS_EVALUATION_SIZE } from './index.js';
import { buildEnasNetwork, countEnasParameters, enasAuxiliaryCell, enasCost, enasReductionCells, resolveStem, withEnasNetworks } from './network.js';

const PUBLISHED = fileURLToPath(new URL('../../../../../shared/data/methods/published_architectures.json', import.meta.url));
const data = JSON.parse(readFileSync(PUBLISHED, 'utf8')) as {
  ENAS: { architectures: Array<{ params: Record<string, number> }> };
  NAO: { architectures: Array<{ name: string; normal: number[]; reduce: number[]; params: Record<string, number> }> };
  _meta: { validation_of_counter: Record<string, { computed: number }> };
};

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.enableProdMode();
});
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const large = (classes: number) => ({ channels: 36, cells: 8, classes, inputShape: [224, 224, 3] as const });

describe('ENAS parameter counts (MicroChild, fixed arc, F = 36, 15 + 2 layers, auxiliary head excluded)', () => {
  it('the repo final arc: 3,894,372, the computed count of the reference data', () => {
    const [repo, figure] = data.ENAS.architectures;
    expect(countEnasParameters(ENAS_FINAL_ARC, ENAS_EVALUATION_SIZE)).toBe(repo!.params.computed_excl_aux);
    expect(countEnasParameters(ENAS_FINAL_ARC, ENAS_EVALUATION_SIZE)).toBe(3_894_372);
    expect(countEnasParameters(ENAS_PAPER_FIGURE_ARC, ENAS_EVALUATION_SIZE)).toBe(figure!.params.computed_in_ENAS_TF_model_F36_L15);
  });

  it('NAONet-WS in the same TF model: 2,466,252 (the published 2.5 M)', () => {
    const ws = data.NAO.architectures.find((a) => a.name.startsWith('NAONet-WS'))!;
    const arc = parseEnasArc([...ws.normal, ...ws.reduce].join(' '));
    expect(countEnasParameters(arc, ENAS_EVALUATION_SIZE)).toBe(ws.params.computed_TF_model);
    expect(countEnasParameters(arc, ENAS_EVALUATION_SIZE)).toBe(data._meta.validation_of_counter['NAONet-WS_in_ENAS_TF_model']!.computed);
  });

  it('reductions at layers 5 and 11; the auxiliary head reads layer 12 (8×8×720), which the reference counts as 494,848', () => {
    expect(enasReductionCells(17)).toEqual([5, 11]);
    expect(enasAuxiliaryCell(17)).toBe(12);
    const net = buildEnasNetwork(ENAS_FINAL_ARC, { ...ENAS_EVALUATION_SIZE, rng: new Rng('count'), options: { init: 'pytorch-default' } });
    expect(countParameters(net)).toBe(3_894_372);
    expect(net.cellInfo.filter((c) => c.reduction).map((c) => c.index)).toEqual([5, 11]);
    const [h, , c] = net.cellInfo[12]!.outputShape;
    expect([h, c]).toEqual([8, 720]);
    // aux_head: 1×1 → 128 + BN, 2×2 conv → 768 + BN, FC → 10 without bias
    const pooled = Math.floor((h - 5) / 3) + 1;
    expect(c * 128 + 2 * 128 + pooled * pooled * 128 * 768 + 2 * 768 + 768 * 10).toBe(data.ENAS.architectures[0]!.params.computed_aux_head);
    net.dispose();
  }, 60_000);
});

describe('ENAS networks', () => {
  it('cells output F × loose ends; F doubles at the reductions; SAME pools and convs give ⌈size/2⌉', () => {
    const net = buildEnasNetwork(ENAS_FINAL_ARC, { channels: 4, cells: 8, classes: 10, inputShape: [9, 9, 3], rng: new Rng('shape') });
    expect(enasReductionCells(8)).toEqual([2, 5]);
    expect(net.cellInfo.map((c) => c.outputShape)).toEqual([
      [9, 9, 20], [9, 9, 20], [5, 5, 32], [5, 5, 40], [5, 5, 40], [3, 3, 64], [3, 3, 80], [3, 3, 80],
    ]);
    const out = tf.tidy(() => net.run(tf.randomNormal([2, 9, 9, 3], 0, 1, 'float32', 1) as tf.Tensor4D, { training: true, rng: new Rng('f') }).logits.shape);
    expect(out).toEqual([2, 10]);
    expect(countParameters(net)).toBe(countEnasParameters(ENAS_FINAL_ARC, { channels: 4, cells: 8, classes: 10, inputShape: [9, 9, 3] }));
    net.dispose();
  });

  it('the 224-px network (ENAS-PyTorch stems) runs on random tensors and counts as built', () => {
    expect(resolveStem('auto', [224, 224, 3])).toBe('imagenet');
    const size = { channels: 8, cells: 8, classes: 67, inputShape: [224, 224, 3] as const };
    const net = buildEnasNetwork(ENAS_FINAL_ARC, { ...size, rng: new Rng('224') });
    expect(net.cellInfo.map((c) => c.outputShape[0])).toEqual([28, 28, 14, 14, 14, 7, 7, 7]);
    const shape = tf.tidy(() => net.run(tf.randomNormal([1, 224, 224, 3], 0, 1, 'float32', 5) as tf.Tensor4D, { training: false }).logits.shape);
    expect(shape).toEqual([1, 67]);
    expect(countParameters(net)).toBe(countEnasParameters(ENAS_FINAL_ARC, size));
    net.dispose();
    for (const k of [8, 67, 102]) expect(countEnasParameters(ENAS_FINAL_ARC, large(k))).toBeGreaterThan(countEnasParameters(ENAS_FINAL_ARC, large(8)) - 1);
  }, 60_000);

  it('drop-path: every branch but the identity op (4) is wrapped, as `if x_op in [0, 1, 2, 3]`', () => {
    const seen: EdgeInfo[] = [];
    const wrapOp = (op: Module, info: EdgeInfo) => {
      if (info.cell === 0) seen.push({ ...info, identity: info.identity || op.isIdentity });
      return op;
    };
    const net = buildEnasNetwork(ENAS_FINAL_ARC, { channels: 4, cells: 3, classes: 2, inputShape: [8, 8, 3], rng: new Rng('dp'), hooks: { wrapOp } });
    net.dispose();
    // normal cell 0 is a reduction here (cells 3 → reductions at 0 and 1); its identities are ops at branches 5 and 12/2…
    const ops = ENAS_FINAL_ARC.reduce.filter((_, k) => k % 2 === 1);
    expect(seen.filter((e) => e.identity).map((e) => e.edge)).toEqual(ops.flatMap((o, k) => (o === 4 ? [k] : [])));
    expect(seen.filter((e) => !e.identity).length).toBe(ops.filter((o) => o !== 4).length);
  });

  it('init: he-normal (truncated) std √(2/fan_in) on the stem, or the engine default', () => {
    const stdOf = (init: 'he-normal' | 'pytorch-default') => {
      const net = buildEnasNetwork(ENAS_FINAL_ARC, { ...ENAS_EVALUATION_SIZE, cells: 2, rng: new Rng('init'), options: { init } });
      const v = Array.from(net.parameters().find((p) => p.path === 'stem_conv.0.weight')!.variable.dataSync());
      net.dispose();
      return Math.sqrt(v.reduce((s, x) => s + x * x, 0) / v.length);
    };
    expect(stdOf('he-normal')).toBeCloseTo(Math.sqrt(2 / 27), 1.5);
    expect(stdOf('pytorch-default')).toBeCloseTo(1 / Math.sqrt(81), 1.5);
  });

  it('enasCost: the parameter count and the multiply-adds of one image', () => {
    const small = { channels: 8, cells: 5, classes: 10, inputShape: [32, 32, 3] as const };
    const cost = enasCost(ENAS_FINAL_ARC, small);
    expect(cost.params).toBe(countEnasParameters(ENAS_FINAL_ARC, small));
    expect(cost.flops).toBeGreaterThan(0);
    expect(enasCost(ENAS_FINAL_ARC, small, { flops: false })).toEqual({ params: cost.params });
  });
});

describe('training a small ENAS network', () => {
  it('learns the synthetic 4-class task: training loss falls, test accuracy far above chance', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'naslab-enas-'));
    dirs.push(dir);
    const space = withEnasNetworks(createEnasSpace(), { init: 'pytorch-default' });
    const arch = space.sample(new Rng('enas-train-arch'));
    const r = await trainFromScratch(
      tinyContext(dir, {
        arch,
        archText: space.format(arch),
        space: space as never,
        dataset: syntheticDataset(64, 64),
        protocol: tinyProtocol({ epochs: 2, batchSize: 16, learningRate: 0.1, testEvery: 2 }),
        rng: new Rng('enas-train'),
        seed: 0,
      }),
    );
    // chance is 25 %; measured 56.25 % (8 steps, dropout 0.2, BN running statistics far from settled)
    expect(r.finalAccuracy).toBeGreaterThanOrEqual(45);
    expect(r.epochs[1]!.trainLoss).toBeLessThan(r.epochs[0]!.trainLoss);
    expect(r.params).toBe(countEnasParameters(arch, { channels: 4, cells: 3, classes: 4, inputShape: [8, 8, 3] }));
  }, 300_000);
});
