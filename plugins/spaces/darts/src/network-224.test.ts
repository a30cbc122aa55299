import * as tf from '@tensorflow/tfjs';
import { Rng } from '@naslab/core';
import { countParameters, Module } from '@naslab/engine';
import { beforeAll, describe, expect, it } from 'vitest';
import { DARTS_V1, DARTS_V2, type Genotype } from './genotype.js';
import { sampleGenotype } from './sampling.js';
import { buildDartsNetwork, countDartsParameters, resolveDartsStem } from './network.js';
import { createDartsSpace } from './index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
  tf.enableProdMode();
});

/**
 * An independent count of pt.darts' `AugmentCNNImageNet(224, 3, C, classes, L, …)` (as in
 * antoyang/NAS-Benchmark DARTS/models/augment_cnn.py), module by module as its constructors
 * allocate them: bias-free convs, affine BNs (2·C), `StdConv` = ReLU-conv1×1-BN,
 * `FactorizedReduce` = two 1×1 convs to C/2 + BN, `DilConv` = depthwise k×k + pointwise + BN,
 * `SepConv` = two DilConvs; `PoolBN` = pool + BN (quark0/darts' pools, naslab's default, have no
 * BN: `poolBn` false).
 */
const conv = (cin: number, cout: number, k: number, groups = 1) => (cin / groups) * cout * k * k;
const bn = (c: number) => 2 * c;
const stdConv = (cin: number, cout: number) => conv(cin, cout, 1) + bn(cout);
const factorizedReduce = (cin: number, cout: number) => 2 * conv(cin, cout / 2, 1) + bn(cout);
const dilConv = (cin: number, cout: number, k: number) => conv(cin, cin, k, cin) + conv(cin, cout, 1) + bn(cout);
const sepConv = (cin: number, cout: number, k: number) => dilConv(cin, cin, k) + dilConv(cin, cout, k);
function edgeOp(name: string, c: number, stride: number, poolBn: boolean): number {
  if (name === 'max_pool_3x3' || name === 'avg_pool_3x3') return poolBn ? bn(c) : 0;
  if (name === 'none') return 0;
  if (name === 'skip_connect') return stride === 1 ? 0 : factorizedReduce(c, c);
  const k = name.endsWith('5x5') ? 5 : 3;
  return name.startsWith('sep_conv') ? sepConv(c, c, k) : dilConv(c, c, k);
}
function augmentCnnImageNet(g: Genotype, C: number, L: number, classes: number, poolBn = false): number {
  // stem0: conv s2 3 → C/2, BN, ReLU, conv s2 C/2 → C, BN; stem1: ReLU, conv s2 C → C, BN
  let n = conv(3, C / 2, 3) + bn(C / 2) + conv(C / 2, C, 3) + bn(C) + conv(C, C, 3) + bn(C);
  let [cPP, cP, cCur, reductionP] = [C, C, C, true];
  for (let i = 0; i < L; i++) {
    const reduction = i === Math.floor(L / 3) || i === Math.floor((2 * L) / 3);
    if (reduction) cCur *= 2;
    n += reductionP ? factorizedReduce(cPP, cCur) : stdConv(cPP, cCur);
    n += stdConv(cP, cCur);
    for (const [op, from] of reduction ? g.reduce : g.normal) n += edgeOp(op, cCur, reduction && from < 2 ? 2 : 1, poolBn);
    const concat = reduction ? g.reduceConcat : g.normalConcat;
    [cPP, cP, reductionP] = [cP, cCur * concat.length, reduction];
  }
  return n + cP * classes + classes; // gap + linear
}

/** A head that records the shape of the cell output it reads. */
class ShapeProbe extends Module {
  constructor(private readonly seen: number[][]) {
    super();
  }
  forward(x: tf.Tensor): tf.Tensor {
    this.seen.push(x.shape);
    return tf.mean(x, [1, 2]);
  }
}

const at224 = (classes: number) => ({ channels: 36, cells: 8, classes, inputShape: [224, 224, 3] as const });

describe('the 224-px DARTS network (AugmentCNNImageNet)', () => {
  it('auto picks the ImageNet stem from 65 px on the shorter side', () => {
    expect(resolveDartsStem('auto', [224, 224, 3])).toBe('imagenet');
    expect(resolveDartsStem(undefined, [65, 200, 3])).toBe('imagenet');
    expect(resolveDartsStem('auto', [64, 224, 3])).toBe('cifar');
    expect(resolveDartsStem('auto', [32, 32, 3])).toBe('cifar');
    expect(resolveDartsStem('cifar', [224, 224, 3])).toBe('cifar');
    expect(resolveDartsStem('imagenet', [32, 32, 3])).toBe('imagenet');
  });

  it('DARTS V2 at 8 cells, 36 channels, 67 classes (MIT67): 1,195,069 parameters, as the reference constructors count', () => {
    expect(augmentCnnImageNet(DARTS_V2, 36, 8, 67)).toBe(1_195_069);
    expect(countDartsParameters(DARTS_V2, at224(67))).toBe(1_195_069);
    // Sport8 and Flowers102
    expect(countDartsParameters(DARTS_V2, at224(8))).toBe(1_161_026);
    expect(countDartsParameters(DARTS_V2, at224(102))).toBe(1_215_264);
    // the CIFAR network of the same genotype and size differs (stem 3·C, no reduction before cell 0)
    expect(countDartsParameters(DARTS_V2, { ...at224(67), stem: 'cifar' })).not.toBe(1_195_069);
  });

  it('the analytic count equals the mirror for V1 and sampled genotypes, and the built network holds exactly that many', () => {
    const rng = new Rng('224-count');
    const genotypes = [DARTS_V1, DARTS_V2, sampleGenotype(rng, 'uniform-8'), sampleGenotype(rng, 'released-code')];
    for (const g of genotypes) {
      expect(countDartsParameters(g, at224(102))).toBe(augmentCnnImageNet(g, 36, 8, 102));
    }
    const net = buildDartsNetwork(DARTS_V2, { ...at224(67), rng: rng.split('build') });
    expect(countParameters(net)).toBe(1_195_069);
    net.dispose();
  });

  it('runs on random 224-px tensors: 28×28 after the stems, reductions at cells 2 and 5, 7×7 at the end', () => {
    const net = buildDartsNetwork(DARTS_V2, { channels: 4, cells: 8, classes: 67, inputShape: [224, 224, 3], rng: new Rng('224-shape') });
    expect(net.cellInfo.map((c) => c.reduction)).toEqual([false, false, true, false, false, true, false, false]);
    expect(net.cellInfo.map((c) => c.outputShape)).toEqual([
      [28, 28, 16],
      [28, 28, 16],
      [14, 14, 32],
      [14, 14, 32],
      [14, 14, 32],
      [7, 7, 64],
      [7, 7, 64],
      [7, 7, 64],
    ]);
    const seen: number[][] = [];
    for (const c of net.cellInfo) {
      net.attachHead({ name: `probe${c.index}`, atCell: c.index, module: new ShapeProbe(seen) });
    }
    const logits = tf.tidy(() => {
      // One image: the shapes are per image, and a 224-px forward pass on the cpu backend is slow.
      const x = tf.randomNormal([1, 224, 224, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
      const out = net.run(x, { training: true });
      return Array.from(out.logits.shape);
    });
    expect(logits).toEqual([1, 67]);
    expect(seen).toEqual(net.cellInfo.map((c) => [1, ...c.outputShape]));
    net.dispose();
  }, 60_000);

  it('the space counts the 224-px network when the size asks for 224 px (what naslab arch --input 224x224x3 reads)', async () => {
    const space = createDartsSpace();
    expect((await space.cost(DARTS_V2, at224(67), { flops: false })).params).toBe(1_195_069);
    expect((await space.cost(DARTS_V2, { ...at224(67), inputShape: [32, 32, 3] }, { flops: false })).params).toBe(
      countDartsParameters(DARTS_V2, { ...at224(67), inputShape: [32, 32, 3], stem: 'cifar' }),
    );
    const forced = createDartsSpace({ stem: 'cifar' });
    expect((await forced.cost(DARTS_V2, at224(67), { flops: false })).params).not.toBe(1_195_069);
  });

  it("pools: 'pt-darts' adds pt.darts' PoolBN (an affine BN after each pool edge): 1,197,229 for V2, built and counted alike", () => {
    expect(augmentCnnImageNet(DARTS_V2, 36, 8, 67, true)).toBe(1_197_229);
    expect(countDartsParameters(DARTS_V2, { ...at224(67), pools: 'pt-darts' })).toBe(1_197_229);
    // CIFAR: the reference pt.darts AugmentCNN of DARTS V2 at 20 cells, 36 channels
    expect(countDartsParameters(DARTS_V2, { channels: 36, cells: 20, classes: 10, inputShape: [32, 32, 3], pools: 'pt-darts' })).toBe(3_351_502);
    const rng = new Rng('pt-darts');
    const g = sampleGenotype(rng, 'uniform-8');
    expect(countDartsParameters(g, { ...at224(102), pools: 'pt-darts' })).toBe(augmentCnnImageNet(g, 36, 8, 102, true));
    const net = buildDartsNetwork(DARTS_V2, { ...at224(67), pools: 'pt-darts', rng });
    expect(countParameters(net)).toBe(1_197_229);
    net.dispose();
    const small = buildDartsNetwork(DARTS_V2, { channels: 4, cells: 5, classes: 3, inputShape: [16, 16, 3], pools: 'pt-darts', rng });
    const shape = tf.tidy(() => Array.from(small.run(tf.randomNormal([2, 16, 16, 3], 0, 1, 'float32', 4) as tf.Tensor4D, { training: true }).logits.shape));
    expect(shape).toEqual([2, 3]);
    small.dispose();
  });
});
