/**
 * The ENAS method's tests in one file (one worker start-up in the suite): SGDR, the child's
 * Nesterov step, the controller, and one toy search that is also the reference of the resume check.
 */
import * as tf from '@tensorflow/tfjs';
import { cpSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, Rng, type Dataset, type DatasetSplit, type SearchContext } from '@naslab/core';
import { builtinCpuBackend } from '@naslab/engine';
import { syntheticImages } from '@naslab/engine/testing';
import { loadEnasNetwork, validateEnasArc, type EnasArc } from '@naslab/space-enas-micro';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clipChildGradients, nesterovUpdate } from './child-optimiser.js';
import { ENAS_CODE_CONTROLLER, EnasController } from './controller.js';
import { enasOptions } from './options.js';
import { searchEnas, sgdrLearningRate } from './search.js';
import { ENAS_AUX_HEAD, enasDropPathKeepProb, SharedEnasChild } from './shared-child.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});
const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

function searchOnlyDataset(): Dataset {
  const sets: Partial<Record<DatasetSplit, ReturnType<typeof syntheticImages>>> = { 'search-train': syntheticImages(4, 'st', 4), 'search-valid': syntheticImages(4, 'sv', 4) };
  return {
    info: { name: 'synthetic', classes: 4, shape: [4, 4, 3], mean: [0.5, 0.5, 0.5], std: [0.2, 0.2, 0.2], sizes: { train: 8, test: 50, 'search-train': 4, 'search-valid': 4 } },
    load: async (split) => {
      const s = sets[split];
      if (!s) throw new Error(`the search read the ${split} split`);
      return s;
    },
  };
}

function context(dir: string, onEpoch: (epoch: number) => void = () => {}, signal = new AbortController().signal): SearchContext<EnasArc> {
  return {
    space: { id: 'enas-micro', sample: () => ({ normal: [], reduce: [] }), format: () => '', parse: () => ({ normal: [], reduce: [] }) },
    dataset: searchOnlyDataset(),
    rng: new Rng('enas-e2e'),
    seed: 1,
    logger: createLogger({ level: 'error' }),
    signal,
    checkpointDir: dir,
    threads: 1,
    backends: [builtinCpuBackend],
    recordMetric: (step) => onEpoch(step),
  };
}

describe('SGDR', () => {
  it('restarts at epochs 10, 30, 70 with T0 = 10, Tmul = 2', () => {
    for (const e of [0, 10, 30, 70]) expect(sgdrLearningRate(e, 0.05, 0.0005, 10, 2)).toBeCloseTo(0.05, 12);
    expect(sgdrLearningRate(20, 0.05, 0.0005, 10, 2)).toBeCloseTo(0.02525, 12);
  });
});

describe('gradient clipping of the shared child', () => {
  it('`norm` clips each tensor by its own norm, `global` all by their joint norm, `released-code` none', () => {
    // ‖[3, 4]‖ = 5, ‖[0, 12]‖ = 12, joint norm 13; bound 5. The second parameter has no gradient.
    const run = (mode: 'norm' | 'global' | 'none') => {
      let out: (number[] | null)[] = [];
      tf.tidy(() => {
        out = clipChildGradients([tf.tensor1d([3, 4]), undefined, tf.tensor1d([0, 12])], mode, 5).map((g) => (g ? Array.from(g.dataSync()) : null));
      });
      return out;
    };
    const near = (got: (number[] | null)[], want: (number[] | null)[]) => got.forEach((g, i) => (want[i] === null ? expect(g).toBeNull() : g!.forEach((v, j) => expect(v).toBeCloseTo(want[i]![j]!, 5))));
    near(run('norm'), [[3, 4], null, [0, 5]]); // the first is at the bound, kept; the second scaled by 5/12
    near(run('global'), [[15 / 13, 20 / 13], null, [0, 60 / 13]]); // both scaled by 5/13
    near(run('none'), [[3, 4], null, [0, 12]]);
    expect(enasOptions.parse({}).childGradClip).toBe('norm');
    expect(enasOptions.parse({}).childGradBound).toBe(5);
  });
});

describe('drop-path and the auxiliary head of the shared child', () => {
  it('keep probability scaled by layer and by step, as `_apply_drop_path`', () => {
    // p = 0.6, 8 layers: layer l keeps 1 − (l+1)/8·0.4 at the end of training; the step ratio scales the drop
    expect(enasDropPathKeepProb(0.6, 0, 8, 1)).toBeCloseTo(0.95, 12);
    expect(enasDropPathKeepProb(0.6, 7, 8, 1)).toBeCloseTo(0.6, 12);
    expect(enasDropPathKeepProb(0.6, 7, 8, 0.5)).toBeCloseTo(0.8, 12);
    expect(enasDropPathKeepProb(0.6, 3, 8, 0.25)).toBeCloseTo(0.95, 12); // k_l = 0.8, 1 − 0.25·0.2
    expect(enasDropPathKeepProb(0.6, 7, 8, 3)).toBeCloseTo(0.6, 12); // the ratio stops at 1
  });

  it('drops paths while the child trains, never when it scores an arc; the auxiliary head only in training', async () => {
    const net = await loadEnasNetwork();
    const make = (dropPathKeepProb: number | null) => {
      const child = new SharedEnasChild({ filters: 2, cells: 5, classes: 3, inputShape: [8, 8, 3], rng: new Rng('child'), net, dropPathKeepProb, keepProb: 1, auxHead: true });
      child.arc = { normal: [0, 0, 1, 1, 0, 2, 1, 3, 2, 0, 0, 1, 1, 1, 3, 0, 4, 1, 2, 3], reduce: [1, 0, 0, 1, 1, 2, 0, 3, 2, 1, 0, 0, 3, 2, 1, 1, 0, 3, 4, 0] };
      child.stepRatio = 1;
      return child;
    };
    const dropping = make(0.3);
    const plain = make(null);
    const x = tf.randomUniform([4, 8, 8, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
    const logits = (c: SharedEnasChild, rng?: Rng) => tf.tidy(() => Array.from(c.run(x, { training: true, ...(rng ? { rng } : {}) }).logits.dataSync()));
    // scoring (rewards, derivation) runs BN in training mode without a stream: no path dropped
    expect(logits(dropping)).toEqual(logits(plain));
    // training draws the masks from the step's stream: the same stream as the plain child's, other outputs
    expect(logits(dropping, new Rng('step'))).not.toEqual(logits(plain, new Rng('step')));
    expect(logits(plain, new Rng('step'))).toEqual(logits(plain));
    expect(logits(dropping, new Rng('step'))).toEqual(logits(dropping, new Rng('step')));
    // auxiliary head after layer pool_layers[-1] + 1 = 4 (pools at 1 and 3 for 5 layers), in training only
    tf.tidy(() => {
      expect(plain.run(x, { training: true }).heads?.[ENAS_AUX_HEAD]?.shape).toEqual([4, 3]);
      expect(plain.run(x, { training: false }).heads?.[ENAS_AUX_HEAD]).toBeUndefined();
    });
    expect(plain.hasAuxHead).toBe(true);
    x.dispose();
    for (const c of [dropping, plain]) for (const p of c.parameters()) p.variable.dispose();
  });
});

describe('Nesterov SGD of the shared child', () => {
  it('two steps match the hand arithmetic of TF use_nesterov (and differ from heavy ball)', () => {
    const w = tf.variable(tf.tensor1d([1, -2]));
    const buf = tf.variable(tf.zeros([2]));
    const o = { lr: 0.1, momentum: 0.9, weightDecay: 0.5 };
    // step 1, g = [2, 4]: g' = g + 0.5·w = [2.5, 3]; buf = [2.5, 3]; w −= 0.1·(g' + 0.9·buf) = 0.1·[4.75, 5.7]
    tf.tidy(() => nesterovUpdate(w, buf, tf.tensor1d([2, 4]), o));
    expect(Array.from(buf.dataSync())).toEqual([2.5, 3].map(Math.fround));
    const w1 = w.dataSync();
    expect(w1[0]).toBeCloseTo(0.525, 6);
    expect(w1[1]).toBeCloseTo(-2.57, 6);
    // step 2, g = [1, 0]: g' = [1 + 0.2625, −1.285] = [1.2625, −1.285]; buf = 0.9·[2.5, 3] + g' = [3.5125, 1.415]
    // w −= 0.1·(g' + 0.9·buf) = 0.1·[4.42375, −0.0115] (heavy ball would subtract 0.1·buf = [0.35125, 0.1415])
    tf.tidy(() => nesterovUpdate(w, buf, tf.tensor1d([1, 0]), o));
    const b2 = buf.dataSync();
    expect(b2[0]).toBeCloseTo(3.5125, 5);
    expect(b2[1]).toBeCloseTo(1.415, 5);
    const w2 = w.dataSync();
    expect(w2[0]).toBeCloseTo(0.525 - 0.442375, 5);
    expect(w2[1]).toBeCloseTo(-2.57 + 0.00115, 5);
    w.dispose();
    buf.dispose();
  });
});

describe('ENAS controller', () => {
  it('samples valid arcs, deterministically, and scores them with the log-probability it sampled them with', () => {
    const c = new EnasController(new Rng('ctrl'));
    const a = c.sample(new Rng('s'));
    const b = c.sample(new Rng('s'));
    expect(b.arc).toEqual(a.arc);
    expect(() => validateEnasArc(a.arc)).not.toThrow();
    expect(c.score(a.arc).negLogProb).toBeCloseTo(a.negLogProb, 4);
    expect(a.entropy).toBeGreaterThan(0);
    c.dispose();
  });

  it('a REINFORCE update raises the probability of a rewarded arc and lowers that of a punished one', () => {
    const c = new EnasController(new Rng('ctrl'), ENAS_CODE_CONTROLLER);
    const good = c.sample(new Rng('good')).arc;
    const bad = c.sample(new Rng('bad')).arc;
    const before = [c.score(good).negLogProb, c.score(bad).negLogProb];
    c.baseline = 0.5;
    c.update([{ arc: good, accuracy: 1 }]);
    c.update([{ arc: bad, accuracy: 0 }]);
    expect(c.score(good).negLogProb).toBeLessThan(before[0]!);
    expect(c.score(bad).negLogProb).toBeGreaterThan(before[1]!);
    c.dispose();
  });
});

describe('enas search, end to end at toy size', () => {
  it('trains the shared child and the controller on the search splits, and a search killed in epoch 1 resumes identically', async () => {
    // the controller's backward pass costs most: 8 LSTM units instead of the code's 64
    const o = enasOptions.parse({ epochs: 2, childCells: 3, childFilters: 2, batchSize: 4, controllerSteps: 1, aggregate: 1, controllerLstmSize: 8, finalSamples: 2, augment: 'none', childDropPathKeepProb: 0.6 });
    const whole = await mkdtemp(join(tmpdir(), 'enas-'));
    const killed = await mkdtemp(join(tmpdir(), 'enas-'));
    const aborted = await mkdtemp(join(tmpdir(), 'enas-'));
    dirs.push(whole, killed, aborted);
    // epoch 1's metrics come before its checkpoint: the folder then is what a kill during epoch 1 leaves
    const ref = await searchEnas(
      context(whole, (epoch) => epoch === 1 && cpSync(whole, killed, { recursive: true })),
      o,
      { augment: async () => undefined },
    );
    expect(() => validateEnasArc(ref.architectures[0]!)).not.toThrow();
    const h = ref.history as { epochs: Array<{ baseline: number }>; derived: Array<{ validAccuracy: number }> };
    expect(h.epochs.length).toBe(2);
    expect(h.epochs[1]!.baseline).not.toBe(0);
    expect(h.derived[0]!.validAccuracy).toBeGreaterThanOrEqual(h.derived[1]!.validAccuracy);
    // a kill stops the search at its next minibatch with the signal's reason
    await expect(searchEnas(context(aborted, undefined, AbortSignal.abort(new Error('killed'))), o, { augment: async () => undefined })).rejects.toThrow('killed');
    const trained: number[] = [];
    const resumed = await searchEnas(context(killed, (epoch) => trained.push(epoch)), o, { augment: async () => undefined });
    expect(trained).toEqual([1]);
    expect(resumed.architectures).toEqual(ref.architectures);
    expect(resumed.history).toEqual(ref.history);
  });
});
