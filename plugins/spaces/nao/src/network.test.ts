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
import { NAONET_A, NAONET_B, NAONET_WS, type NaoArch } from './arch.js';
import { buildNaoNetwork, countNaoParameters, naoCost, resolveStem, withNaoNetworks, type NaoDropPathExemption } from './network.js';
import { createNaoSpace } from './index.js';

const PUBLISHED = fileURLToPath(new URL('../../../../../shared/data/methods/published_architectures.json', import.meta.url));

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.enableProdMode();
});

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

const cifar = (channels: number, classes = 10) => ({ channels, cells: 20, classes, inputShape: [32, 32, 3] as const });
const large = (classes: number) => ({ channels: 36, cells: 8, classes, inputShape: [224, 224, 3] as const });

describe('NAO parameter counts (NASNetworkCIFAR / NASNetworkImageNet, auxiliary head excluded)', () => {
  const published = (JSON.parse(readFileSync(PUBLISHED, 'utf8')) as { NAO: { architectures: Array<{ name: string; params: Record<string, number> }> } }).NAO.architectures;
  const params = (name: string) => published.find((a) => a.name.startsWith(name))!.params;

  it('CIFAR-10, C = 36, N = 6 (20 cells): the computed counts of the reference data', () => {
    expect(countNaoParameters(NAONET_B, cifar(36))).toBe(params('NAONet-B').computed);
    expect(countNaoParameters(NAONET_WS, cifar(36))).toBe(params('NAONet-WS').computed_in_NAO_pytorch_model_C36_N6);
    expect(countNaoParameters(NAONET_A, cifar(36))).toBe(params('NAONet-A').computed_C36_N6);
    expect(countNaoParameters(NAONET_A, cifar(128))).toBe(params('NAONet-A').computed_C128_N6);
    expect(countNaoParameters(NAONET_B, cifar(36))).toBe(2_921_302);
  });

  it('CIFAR-100 and 224 px (N = 2, 8 cells): the reference constructors (PyTorch) count the same', () => {
    // [arch, CIFAR-100, 224 px with 8 / 67 / 102 classes]
    const reference: Array<[NaoArch, number, number, number, number]> = [
      [NAONET_B, 2_960_272, 1_211_354, 1_236_901, 1_252_056],
      [NAONET_WS, 2_759_968, 1_084_490, 1_118_533, 1_138_728],
      [NAONET_A, 11_509_120, 4_482_314, 4_507_861, 4_523_016],
    ];
    for (const [a, c100, s8, m67, f102] of reference) {
      expect(countNaoParameters(a, cifar(36, 100))).toBe(c100);
      expect([8, 67, 102].map((k) => countNaoParameters(a, large(k)))).toEqual([s8, m67, f102]);
    }
  });

  it('the built networks count the same as the analytic count', () => {
    for (const [a, size] of [[NAONET_B, cifar(36)], [NAONET_A, large(67)]] as const) {
      const net = buildNaoNetwork(a, { ...size, rng: new Rng('count'), options: { init: 'pytorch-default' } });
      expect(countParameters(net)).toBe(countNaoParameters(a, size));
      net.dispose();
    }
  }, 60_000);
});

describe('NAO networks', () => {
  it('reductions at cells N and 2N + 1 with channels doubling; cells output C × loose ends', () => {
    const net = buildNaoNetwork(NAONET_B, { ...cifar(8), cells: 8, rng: new Rng('shape') });
    expect(net.cellInfo.map((c) => c.reduction)).toEqual([false, false, true, false, false, true, false, false]);
    // normal cell: 3 loose ends; reduction cell: 3
    expect(net.cellInfo.map((c) => c.outputShape)).toEqual([
      [32, 32, 24], [32, 32, 24], [16, 16, 48], [16, 16, 48], [16, 16, 48], [8, 8, 96], [8, 8, 96], [8, 8, 96],
    ]);
    net.dispose();
  });

  it('the 224-px network runs on random tensors: 28×28 after the stems, one logit per class', () => {
    expect(resolveStem('auto', [224, 224, 3])).toBe('imagenet');
    const net = buildNaoNetwork(NAONET_A, { channels: 8, cells: 8, classes: 67, inputShape: [224, 224, 3], rng: new Rng('224') });
    expect(net.cellInfo.map((c) => c.outputShape[0])).toEqual([28, 28, 14, 14, 14, 7, 7, 7]);
    const shape = tf.tidy(() => net.run(tf.randomNormal([1, 224, 224, 3], 0, 1, 'float32', 5) as tf.Tensor4D, { training: false }).logits.shape);
    expect(shape).toEqual([1, 67]);
    net.dispose();
  }, 60_000);

  it('init: Kaiming normal N(0, 2/fan_in) on conv and linear weights, as init_parameters (or the engine default)', () => {
    const stdOfStem = (init: 'kaiming-normal' | 'pytorch-default') => {
      const net = buildNaoNetwork(NAONET_B, { ...cifar(36), cells: 2, rng: new Rng('init'), options: { init } });
      const stem = net.parameters().find((p) => p.path === 'stem.0.weight')!.variable;
      const v = Array.from(stem.dataSync());
      net.dispose();
      return Math.sqrt(v.reduce((s, x) => s + x * x, 0) / v.length);
    };
    // stem conv: fan_in = 3 · 3 · 3 = 27, 2,916 weights
    expect(stdOfStem('kaiming-normal')).toBeCloseTo(Math.sqrt(2 / 27), 1.5);
    expect(stdOfStem('pytorch-default')).toBeCloseTo(1 / Math.sqrt(3 * 27), 1.5);
  });

  it('drop-path exemptions: by input index 4, 5 (released code), by identity op, or none', () => {
    // nodes 2–6: (0 sep3, 1 identity), (2 sep3, 1 sep5), (3 sep3, 2 conv3), (4 conv3, 0 identity), (5 sep5, 3 avg3)
    const a: NaoArch = { normal: [0, 0, 1, 4, 2, 0, 1, 1, 3, 0, 2, 7, 4, 7, 0, 4, 5, 1, 3, 2], reduce: NAONET_B.reduce };
    const exempt = (mode: NaoDropPathExemption) => {
      const seen: EdgeInfo[] = [];
      const wrapOp = (op: Module, info: EdgeInfo) => {
        // what the drop-path trick reads: the flag and the op's own isIdentity
        if (info.cell === 0) seen.push({ ...info, identity: info.identity || op.isIdentity });
        return op;
      };
      const net = buildNaoNetwork(a, { channels: 4, cells: 3, classes: 2, inputShape: [8, 8, 3], rng: new Rng('dp'), options: { dropPathExempt: mode }, hooks: { wrapOp } });
      net.dispose();
      return seen.filter((e) => e.identity).map((e) => e.edge);
    };
    // branches (edge k reads normal[2k]): inputs 0 1 2 1 3 2 4 0 5 3 — inputs 4, 5 are branches 6 and 8
    expect(exempt('released-code')).toEqual([6, 8]);
    // identity ops (id 4): branches 1 and 7
    expect(exempt('identity')).toEqual([1, 7]);
    expect(exempt('none')).toEqual([]);
  });

  it('naoCost: the parameter count and the multiply-adds of one image', () => {
    const small = { channels: 8, cells: 5, classes: 10, inputShape: [32, 32, 3] as const };
    const cost = naoCost(NAONET_B, small);
    expect(cost.params).toBe(countNaoParameters(NAONET_B, small));
    expect(cost.flops).toBeGreaterThan(0);
    expect(naoCost(NAONET_B, small, { flops: false })).toEqual({ params: cost.params });
  });
});

describe('training a small NAO network', () => {
  it('reaches well above chance on the synthetic 4-class task', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'naslab-nao-'));
    dirs.push(dir);
    // The engine's default init: with the reference's Kaiming-normal weights this toy run (8 steps,
    // BN running statistics far from settled) tests at 34 %, though its training loss falls as fast.
    const space = withNaoNetworks(createNaoSpace(), { init: 'pytorch-default' });
    const arch = space.sample(new Rng('nao-train-arch'));
    const r = await trainFromScratch(
      tinyContext(dir, {
        arch,
        archText: space.format(arch),
        space: space as never,
        dataset: syntheticDataset(64, 64),
        protocol: tinyProtocol({ epochs: 2, batchSize: 16, learningRate: 0.1, testEvery: 2 }),
        rng: new Rng('nao-train'),
        seed: 0,
      }),
    );
    // chance is 25 %; measured 84.4 % (dropout 0.4 on)
    expect(r.finalAccuracy).toBeGreaterThanOrEqual(60);
    expect(r.params).toBe(countNaoParameters(arch, { channels: 4, cells: 3, classes: 4, inputShape: [8, 8, 3] }));
  }, 300_000);
});
