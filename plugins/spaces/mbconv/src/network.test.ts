import * as tf from '@tensorflow/tfjs';
import { Rng } from '@naslab/core';
import { countFlops, countParameters, isTrainableSpace } from '@naslab/engine';
import { describe, expect, it } from 'vitest';
import plugin, { BACKBONE_LAYERS, choiceShape, createMbconvSpace, mbconvSpaceOptions, roundFilters, type LayerChoice, type MbconvArch } from './index.js';
import { buildMbconvNetwork, DEFAULT_NETWORK_OPTIONS, type MbconvNetworkOptions } from './network.js';

await tf.setBackend('cpu');

/** Parameters and multiply-adds of an architecture counted by hand from the backbone (no tfjs). */
function analyticCost(arch: MbconvArch, o: MbconvNetworkOptions, classes: number, input: [number, number, number]) {
  const size = o.inputSize ?? input[0];
  let params = 0;
  let macs = 0;
  const stem = roundFilters(32, o.widthMultiplier);
  let h = Math.ceil(size / 2);
  params += 9 * input[2] * stem + 2 * stem;
  macs += h * h * 9 * input[2] * stem;
  let prev = stem;
  for (const layer of BACKBONE_LAYERS) {
    let { kernel, expandRatio } = layer;
    if (layer.searchable >= 0) {
      const c = arch[layer.searchable]!;
      if (c === 'skip') continue;
      ({ kernel, expandRatio } = choiceShape(c));
    }
    const out = roundFilters(layer.outputFilters, o.widthMultiplier);
    const mid = prev * expandRatio;
    if (expandRatio !== 1) {
      params += prev * mid + 2 * mid;
      macs += h * h * prev * mid;
    }
    const oh = Math.ceil(h / layer.stride);
    params += kernel * kernel * mid + 2 * mid + mid * out + 2 * out;
    macs += oh * oh * (kernel * kernel * mid + mid * out);
    h = oh;
    prev = out;
  }
  params += prev * o.headChannels + 2 * o.headChannels + o.headChannels * classes + classes;
  macs += h * h * prev * o.headChannels + o.headChannels * classes;
  return { params, macs };
}

const all = (c: LayerChoice): LayerChoice[] => Array.from({ length: 20 }, () => c);
const spec = (classes: number, inputShape: [number, number, number]) => ({ channels: 32, cells: 22, classes, inputShape, rng: new Rng('net') });

describe('MBConv network', () => {
  it('counts the parameters of the backbone at ImageNet size, by hand', () => {
    const space = createMbconvSpace();
    const rng = new Rng('archs');
    const archs = [all('k5e6'), all('k3e3'), ...Array.from({ length: 3 }, () => space.sample(rng))];
    for (const arch of archs) {
      const net = buildMbconvNetwork(arch, spec(1000, [224, 224, 3]));
      expect(countParameters(net), space.format(arch)).toBe(analyticCost(arch, DEFAULT_NETWORK_OPTIONS, 1000, [224, 224, 3]).params);
      net.dispose();
    }
  });

  it('runs forward at toy size (width 0.25, resized to 16 px) with the expected multiply-adds and shapes', () => {
    const space = createMbconvSpace();
    const o: MbconvNetworkOptions = { ...DEFAULT_NETWORK_OPTIONS, widthMultiplier: 0.25, inputSize: 16, headChannels: 64 };
    const arch = space.sample(new Rng('toy'));
    const net = buildMbconvNetwork(arch, spec(10, [28, 28, 1]), o);
    const expected = analyticCost(arch, o, 10, [28, 28, 1]);
    expect(countParameters(net)).toBe(expected.params);
    expect(countFlops(net, [28, 28, 1])).toBe(expected.macs);
    const logits = tf.tidy(() => net.run(tf.randomNormal([2, 28, 28, 1]) as tf.Tensor4D, { training: true, rng: new Rng('drop') }).logits);
    expect(logits.shape).toEqual([2, 10]);
    expect(Number.isFinite(logits.dataSync()[0]!)).toBe(true);
    logits.dispose();
    // blocks kept = 22 − skips; the last block is at 1/32 of the input size
    expect(net.cellInfo).toHaveLength(22 - arch.filter((c) => c === 'skip').length);
    expect(net.cellInfo[net.cellInfo.length - 1]!.outputShape).toEqual([1, 1, roundFilters(320, 0.25)]);
    net.dispose();
  });

  it('has residuals exactly where stride is 1 and widths match', () => {
    const net = buildMbconvNetwork(all('k3e3'), spec(10, [32, 32, 3]));
    expect(net.blocks.map((b) => b.residual)).toEqual(BACKBONE_LAYERS.map((l) => l.idSkip && l.position > 0));
    net.dispose();
  });

  it('is a trainable cost space through the plugin, with the options applied', async () => {
    const space = await plugin.create({ options: mbconvSpaceOptions.parse({ widthMultiplier: 0.5, headChannels: 128 }), label: 'mbconv', resolve: () => undefined as never } as never);
    expect(isTrainableSpace(space)).toBe(true);
    const arch = all('k5e3');
    const cost = await (space as ReturnType<typeof createMbconvSpace>).cost(arch, { cells: 22, channels: 32, classes: 10, inputShape: [32, 32, 3] });
    expect(cost).toEqual({ params: analyticCost(arch, { ...DEFAULT_NETWORK_OPTIONS, widthMultiplier: 0.5, headChannels: 128 }, 10, [32, 32, 3]).params, flops: analyticCost(arch, { ...DEFAULT_NETWORK_OPTIONS, widthMultiplier: 0.5, headChannels: 128 }, 10, [32, 32, 3]).macs });
  });
});
