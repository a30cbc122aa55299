/**
 * The NAO method's tests in one file (one worker start-up in the suite): the token sequences, the
 * encoder–predictor–decoder's defining mechanisms, and one toy NAO-WS search that is also the
 * reference of the resume check.
 */
import * as tf from '@tensorflow/tfjs';
import { cpSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, Rng, type Dataset, type DatasetSplit, type SearchContext } from '@naslab/core';
import { builtinCpuBackend } from '@naslab/engine';
import { syntheticImages } from '@naslab/engine/testing';
import { NAONET_B, sampleNaoArch, validateNaoArch, type NaoArch } from '@naslab/space-nao';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NaoController } from './controller.js';
import { controllerSchedule, naoOptions } from './options.js';
import { naoStepLearningRate, searchNao } from './search.js';
import { naoDropPathKeepProb, SharedNaoChild } from './shared-child.js';
import { allowedTokens, archToSequence, sequenceToArch, swapBranches } from './sequence.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('token sequences (utils.parse_arch_to_seq)', () => {
  it('maps inputs to 1–6 and ops to 7–11, and back', () => {
    const seq = archToSequence(NAONET_B);
    // normal node 2 of NAONet-B is `0 1 0 2`: inputs +1, ops +7
    expect(seq.slice(0, 4)).toEqual([1, 8, 1, 9]);
    expect(seq.length).toBe(40);
    expect(sequenceToArch(seq)).toEqual(NAONET_B);
    expect(() => archToSequence({ normal: [0, 7, ...NAONET_B.normal.slice(2)], reduce: NAONET_B.reduce })).toThrow('outside the searched ops');
  });

  it('restricts each decoded position as Decoder.decode does, and swaps branches within a node', () => {
    expect([0, 2, 4, 6, 8, 16, 18, 20, 38].map((t) => allowedTokens(t))).toEqual([[1, 3], [1, 3], [1, 4], [1, 4], [1, 5], [1, 7], [1, 7], [1, 3], [1, 7]]);
    expect(allowedTokens(1)).toEqual([7, 12]);
    const seq = archToSequence(NAONET_B);
    const swapped = swapBranches(seq, 0, 4);
    expect(swapped.slice(0, 4)).toEqual([1, 9, 1, 8]);
    expect(swapped.slice(36, 40)).toEqual([...seq.slice(38, 40), ...seq.slice(36, 38)]);
    expect(swapped.slice(4, 36)).toEqual(seq.slice(4, 36));
  });

  it('refuses options whose last epoch is not an evaluation', () => {
    expect(() => naoOptions.parse({ epochs: 10, evalEpochs: 4 })).toThrow('must be a multiple of evalEpochs');
    expect(controllerSchedule(naoOptions.parse({}))).toEqual({ tradeOff: 0.8, step: { kind: 'growing', max: 50 } });
    expect(controllerSchedule(naoOptions.parse({ controller: 'paper' }))).toEqual({ tradeOff: 0.9, step: { kind: 'fixed', size: 10 } });
  });
});

describe('encoder–predictor–decoder', () => {
  const rng = new Rng('nao-epd');
  const archs: NaoArch[] = Array.from({ length: 2 }, () => sampleNaoArch(rng, 'search'));
  const seqs = archs.map(archToSequence);
  let controller: NaoController;
  beforeAll(() => {
    controller = new NaoController(new Rng('nao-controller'), { embedding: 16, hidden: 32, mlpLayers: 1, mlpHidden: 16, mlpDropout: 0.1 });
  });
  afterAll(() => controller.dispose());

  it('round-trips the architectures it was trained on, and its predictor learns their order', () => {
    expect(controller.reconstruct(seqs)).not.toEqual(seqs);
    const data = seqs.map((seq, i) => ({ seq, target: 0.2 + 0.6 * i }));
    const fit = controller.train(data, { tradeOff: 0.3, learningRate: 0.05, weightDecay: 0, gradClip: 5, batchSize: 2, epochs: 60 }, new Rng('fit'));
    expect(fit.nll).toBeLessThan(0.2);
    expect(controller.reconstruct(seqs).map(sequenceToArch)).toEqual(archs);
    const p = controller.predict(seqs);
    expect(p[0]!).toBeLessThan(p[1]!);
  });

  it('a gradient step in embedding space raises the predicted score, and decodes to valid architectures', () => {
    const r = controller.move(seqs, 1);
    // the arch scored low climbs far; the other already sits on the predictor's flat top (ReLU MLP) and does not fall
    expect(r.before[0]!).toBeLessThan(0.3);
    expect(r.after[0]!).toBeGreaterThan(r.before[0]! + 0.1);
    expect(r.after[1]!).toBeGreaterThanOrEqual(r.before[1]!);
    for (const seq of r.seqs) expect(() => validateNaoArch(sequenceToArch(seq))).not.toThrow();
    // no step: the decoder reads the encoder's own outputs, the reconstruction
    expect(controller.move(seqs, 0).seqs).toEqual(controller.reconstruct(seqs));
  });
});

function searchOnlyDataset(): Dataset {
  const sets: Partial<Record<DatasetSplit, ReturnType<typeof syntheticImages>>> = { 'search-train': syntheticImages(8, 'st', 4), 'search-valid': syntheticImages(4, 'sv', 4) };
  return {
    info: { name: 'synthetic', classes: 4, shape: [4, 4, 3], mean: [0.5, 0.5, 0.5], std: [0.2, 0.2, 0.2], sizes: { train: 12, test: 50, 'search-train': 8, 'search-valid': 4 } },
    load: async (split) => {
      const s = sets[split];
      if (!s) throw new Error(`the search read the ${split} split`);
      return s;
    },
  };
}

function context(dir: string, onEpoch: (epoch: number) => void = () => {}): SearchContext<NaoArch> {
  return {
    space: { id: 'nao', sample: () => NAONET_B, format: () => '', parse: () => NAONET_B },
    dataset: searchOnlyDataset(),
    rng: new Rng('nao-e2e'),
    seed: 1,
    logger: createLogger({ level: 'error' }),
    signal: new AbortController().signal,
    checkpointDir: dir,
    threads: 1,
    backends: [builtinCpuBackend],
    recordMetric: (step) => onEpoch(step),
  };
}

describe('drop-path of the shared child (apply_drop_path)', () => {
  it('keep probability scaled by layer and by step', () => {
    // p = 0.9, 11 cells, 1000 steps: cell l keeps 1 − (l+1)/11·0.1 at the last step, scaled by (step+1)/steps before
    expect(naoDropPathKeepProb(0.9, 10, 11, 999, 1000)).toBeCloseTo(0.9, 12);
    expect(naoDropPathKeepProb(0.9, 0, 11, 999, 1000)).toBeCloseTo(1 - 0.1 / 11, 12);
    expect(naoDropPathKeepProb(0.9, 10, 11, 499, 1000)).toBeCloseTo(0.95, 12);
    expect(naoDropPathKeepProb(0.9, 10, 11, 0, 1000)).toBeCloseTo(1 - 0.1 / 1000, 12);
  });

  it('drops non-identity branches while the child trains, never while it scores the pool', () => {
    const make = (dropPathKeepProb: number | null) => new SharedNaoChild({ layers: 1, channels: 2, classes: 3, inputShape: [8, 8, 3], rng: new Rng('child'), dropPathKeepProb });
    const dropping = make(0.2);
    const plain = make(null);
    dropping.schedule = { step: 9, steps: 10 };
    const arch: NaoArch = { normal: [0, 0, 1, 1, 0, 2, 1, 3, 2, 0, 1, 1, 0, 3, 2, 2, 4, 1, 3, 0], reduce: [1, 1, 0, 0, 1, 2, 0, 3, 0, 1, 2, 0, 3, 2, 0, 1, 1, 3, 4, 0] };
    const identities: NaoArch = { normal: Array.from({ length: 20 }, (_, i) => (i % 2 ? 4 : 0)), reduce: Array.from({ length: 20 }, (_, i) => (i % 2 ? 4 : 0)) };
    const x = tf.randomUniform([4, 8, 8, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const logits = (c: SharedNaoChild, a: NaoArch, rng?: Rng) => tf.tidy(() => Array.from(c.run(x, a, { training: true, ...(rng ? { rng } : {}) }).dataSync()));
    // scoring (`child_valid`: model.eval(), BN in training mode) runs without a stream: nothing dropped
    expect(logits(dropping, arch)).toEqual(logits(plain, arch));
    expect(logits(dropping, arch, new Rng('step'))).not.toEqual(logits(plain, arch, new Rng('step')));
    expect(logits(dropping, arch, new Rng('step'))).toEqual(logits(dropping, arch, new Rng('step')));
    // an arch of identities only: drop-path leaves every branch alone
    expect(logits(dropping, identities, new Rng('step'))).toEqual(logits(plain, identities));
    x.dispose();
    for (const c of [dropping, plain]) for (const p of c.parameters()) p.variable.dispose();
  });
});

describe('224-px search settings (build_imagenet, NASWSNetworkImageNet)', () => {
  it('StepLR stepped before each epoch, and the three stride-2 stems ahead of the cells', () => {
    expect(naoStepLearningRate(1, 0.1, 0.97, 1)).toBeCloseTo(0.097, 12);
    expect(naoStepLearningRate(10, 0.1, 0.97, 1)).toBeCloseTo(0.1 * 0.97 ** 10, 12);
    expect(naoStepLearningRate(3, 0.1, 0.97, 2)).toBeCloseTo(0.097, 12);
    expect(naoOptions.parse({})).toMatchObject({ stem: 'auto', lrSchedule: 'auto', stepLearningRate: 0.1, stepGamma: 0.97, stepPeriod: 1 });
    // 32 px through the 224-px stems: 16, 8 (stem0), 4 (stem1); reductions at cells 1 and 3
    const child = new SharedNaoChild({ layers: 1, channels: 2, classes: 3, inputShape: [32, 32, 3], rng: new Rng('stem'), stem: 'imagenet' });
    const paths = child.parameters().map((p) => p.path);
    expect(paths.some((p) => p.startsWith('stem0.'))).toBe(true);
    expect(paths.some((p) => p.startsWith('stem1.'))).toBe(true);
    const arch = sampleNaoArch(new Rng('arch'), 'search');
    tf.tidy(() => {
      expect(child.run(tf.zeros([2, 32, 32, 3]) as tf.Tensor4D, arch, { training: true }).shape).toEqual([2, 3]);
    });
    for (const p of child.parameters()) p.variable.dispose();
  });
});

describe('NAO-WS search, end to end at toy size', () => {
  it('scores the pool with the shared child, grows it with decoded archs, and a search killed in epoch 2 resumes identically', async () => {
    const o = naoOptions.parse({
      epochs: 2,
      evalEpochs: 1,
      childLayers: 1,
      childChannels: 2,
      batchSize: 4,
      evalBatchSize: 4,
      seedArchs: 6,
      newArchs: 2,
      randomArchs: 1,
      topArchs: 3,
      maxStepSize: 3,
      expand: 2,
      controllerEpochs: 1,
      controllerBatchSize: 8,
      embeddingSize: 4,
      mlpLayers: 1,
      mlpHidden: 4,
      augment: 'none',
    });
    const whole = await mkdtemp(join(tmpdir(), 'nao-'));
    const killed = await mkdtemp(join(tmpdir(), 'nao-'));
    dirs.push(whole, killed);
    // epoch 2's metrics come before its checkpoint: the folder then is what a kill during epoch 2 leaves
    const ref = await searchNao(
      context(whole, (epoch) => epoch === 2 && cpSync(whole, killed, { recursive: true })),
      o,
      { augment: async () => undefined },
    );
    expect(() => validateNaoArch(ref.architectures[0]!)).not.toThrow();
    const h = ref.history as { epochs: Array<{ pool: number }>; rounds: Array<{ newArchs: number; pool: number }>; finalPool: Array<{ validAccuracy: number }> };
    expect(h.rounds.length).toBe(1);
    expect(h.rounds[0]!.pool).toBe(6);
    expect(h.rounds[0]!.newArchs).toBeGreaterThan(0);
    expect(h.epochs[1]!.pool).toBe(6 + h.rounds[0]!.newArchs + 1);
    expect(h.finalPool[0]!.validAccuracy).toBeGreaterThanOrEqual(h.finalPool.at(-1)!.validAccuracy);
    expect(ref.cost?.queries).toBe(6 + h.epochs[1]!.pool);
    const trained: number[] = [];
    const resumed = await searchNao(context(killed, (epoch) => trained.push(epoch)), o, { augment: async () => undefined });
    expect(trained).toEqual([2]);
    expect(resumed.architectures).toEqual(ref.architectures);
    expect(resumed.history).toEqual(ref.history);
  });
});
