import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '@naslab/core';
import { countParameters, Network, type CellInfo, type ForwardContext, type NetworkOutput, type NetworkSpec } from '@naslab/engine';
import plugin, {
  AUXILIARY_HEAD,
  auxiliaryCellIndex,
  auxiliaryHeadGeometry,
  auxiliaryTowerOptions,
  loadAuxiliaryHeadBuilder,
  resolveHeadKind,
} from './index.js';

tf.enableProdMode();

/** A stand-in network: three "cells" that pass the input through, and a linear classifier. */
class PassThroughNetwork extends Network {
  readonly cellInfo: CellInfo[];
  private readonly weight = this.param('classifier.weight', tf.ones([this.shape[2], 10]));
  constructor(
    private readonly shape: [number, number, number],
    cells = 3,
  ) {
    super();
    this.cellInfo = Array.from({ length: cells }, (_, index) => ({ index, reduction: false, outputShape: shape }));
  }
  run(x: tf.Tensor4D, ctx: ForwardContext): NetworkOutput {
    const heads: Record<string, tf.Tensor> = {};
    for (let i = 0; i < this.cellInfo.length; i++) this.afterCell(i, x, ctx, heads);
    return { logits: tf.matMul(tf.mean(x, [1, 2]) as tf.Tensor2D, this.weight as tf.Tensor2D), heads };
  }
}

const spec = (cells: number, shape: [number, number, number], classes = 10): NetworkSpec => ({
  channels: 4,
  cells,
  classes,
  inputShape: shape,
  rng: new Rng('init'),
});

describe('auxiliary head geometry', () => {
  it('is the reference at 8×8 (pool 5/3 → 2×2, conv 2×2) and sized from the map otherwise', () => {
    expect(auxiliaryHeadGeometry(8, 8)).toEqual({ poolKernel: 5, poolStride: 3, pooled: 2, convKernel: 2 });
    expect(auxiliaryHeadGeometry(7, 7)).toEqual({ poolKernel: 5, poolStride: 3, pooled: 1, convKernel: 1 }); // Fashion-MNIST 28 → 7
    expect(auxiliaryHeadGeometry(14, 14)).toEqual({ poolKernel: 5, poolStride: 3, pooled: 4, convKernel: 4 });
    expect(auxiliaryHeadGeometry(3, 3)).toEqual({ poolKernel: 3, poolStride: 3, pooled: 1, convKernel: 1 });
  });
  it('is AuxiliaryHeadImageNet on the 224-px networks: 7×7 map, pool 5 stride 2 → 2×2, conv 2×2', () => {
    expect(auxiliaryHeadGeometry(7, 7, 'imagenet')).toEqual({ poolKernel: 5, poolStride: 2, pooled: 2, convKernel: 2 });
    expect(resolveHeadKind('auto', [224, 224, 3])).toBe('imagenet');
    expect(resolveHeadKind('auto', [28, 28, 1])).toBe('cifar');
    expect(resolveHeadKind('auto', [32, 32, 3])).toBe('cifar');
    expect(resolveHeadKind('cifar', [224, 224, 3])).toBe('cifar');
  });
  it('sits on cell ⌊2L/3⌋ as DARTS (20 cells → 13, 8 cells → 5)', () => {
    expect(auxiliaryCellIndex(20)).toBe(13);
    expect(auxiliaryCellIndex(8)).toBe(5);
  });
});

describe('auxiliary head', () => {
  it('has the parameter count of DARTS AuxiliaryHeadCIFAR(C=576) on an 8×8 map and ends at [n, classes]', async () => {
    const build = await loadAuxiliaryHeadBuilder();
    const head = build([8, 8, 576], 10, { hiddenChannels: 128, featureChannels: 768 }, new Rng(0));
    const trainable = head.parameters().filter((p) => p.trainable).reduce((s, p) => s + p.variable.size, 0);
    // 576·128 + 2·128 + 128·768·2·2 + 2·768 + 768·10 + 10
    expect(trainable).toBe(73728 + 256 + 393216 + 1536 + 7690);
    const y = head.forward(tf.randomNormal([2, 8, 8, 576]), { training: true });
    expect(y.shape).toEqual([2, 10]);
    head.dispose();
  });
});

describe('auxiliary-tower trick through the engine hooks', () => {
  it('attaches a training-only head excluded from the parameter count, and adds exactly w × CE(head)', async () => {
    const options = auxiliaryTowerOptions.parse({});
    expect(options.weight).toBe(0.4);
    const trick = await plugin.create({ options, label: 'auxiliary-tower', resolve: () => undefined as never });
    const shape: [number, number, number] = [7, 7, 6];
    const network = new PassThroughNetwork(shape);
    const before = countParameters(network);
    trick.hooks.buildNetwork!(network, spec(3, shape));
    expect(countParameters(network)).toBe(before);
    expect(network.parameters().some((p) => p.auxiliary && p.path.startsWith(`heads.${AUXILIARY_HEAD}.`))).toBe(true);

    const x = tf.randomNormal([4, 7, 7, 6], 0, 1, 'float32', 7) as tf.Tensor4D;
    const labels = tf.tensor1d([0, 3, 9, 3], 'int32');
    expect(Object.keys(network.run(x, { training: false }).heads)).toEqual([]);
    const ctx: ForwardContext = { training: true, rng: new Rng(1) };
    const output = network.run(x, ctx);
    const headLogits = output.heads[AUXILIARY_HEAD] as tf.Tensor2D;
    expect(headLogits.shape).toEqual([4, 10]);

    const extra = trick.hooks.extraLoss!({ output, labels, classes: 10, ctx })!;
    // Cross-entropy of the head's logits, by hand: mean over rows of logsumexp(z) − z[label].
    const z = headLogits.arraySync();
    const lab = [0, 3, 9, 3];
    const ce = z.reduce((s, row, i) => {
      const m = Math.max(...row);
      return s + m + Math.log(row.reduce((t, v) => t + Math.exp(v - m), 0)) - row[lab[i]!]!;
    }, 0) / z.length;
    expect(extra.dataSync()[0]).toBeCloseTo(0.4 * ce, 5);
    network.dispose();
  });
});

describe('auxiliary-tower on a 224-px network', () => {
  it('builds AuxiliaryHeadImageNet on the 7×7 map of cell 5: the reference count for C=36, 67 classes, and [n, classes] logits', async () => {
    const trick = await plugin.create({ options: auxiliaryTowerOptions.parse({}), label: 'auxiliary-tower', resolve: () => undefined as never });
    // cell 5 of the 8-cell, C = 36 network: 4 nodes × 144 channels at 7×7
    const network = new PassThroughNetwork([7, 7, 576], 8);
    trick.hooks.buildNetwork!(network, spec(8, [224, 224, 3], 67));
    const head = network.parameters().filter((p) => p.auxiliary).reduce((s, p) => s + (p.trainable ? p.variable.size : 0), 0);
    // 576·128 + 2·128 + 128·768·2·2 + 2·768 + 768·67 + 67 (the CIFAR head would have a 1×1 second conv here)
    expect(head).toBe(73728 + 256 + 393216 + 1536 + 51456 + 67);
    const x = tf.randomNormal([2, 7, 7, 576], 0, 1, 'float32', 5) as tf.Tensor4D;
    expect(network.run(x, { training: true, rng: new Rng(2) }).heads[AUXILIARY_HEAD]!.shape).toEqual([2, 67]);
    network.dispose();
  });
});
