/**
 * The bilevel training of the DARTS supernet (quark0/darts `cnn/train_search.py`), the machinery
 * DARTS and DARTS-PT share; the space provides it as the `DartsSupernetTraining` service. Per
 * step, one architecture step on a random `search-valid` batch (Adam on α, first or second
 * order), then one weight step on the next `search-train` batch (SGD, cosine learning rate,
 * gradient clipping); per epoch, the valid accuracy, the softmax of α and the derived genotype are
 * recorded and a checkpoint written. Imports TensorFlow.js: loaded when a method resolves it.
 */
import * as tf from '@tensorflow/tfjs';
import { canonicalJson, Rng, type EpochMetrics, type Json, type SearchContext } from '@naslab/core';
import {
  clipByGlobalNorm,
  cosineLearningRate,
  crossEntropy,
  loadCheckpoint,
  saveCheckpoint,
  selectBackend,
  SgdMomentum,
  topKCorrect,
  type NamedTensors,
} from '@naslab/engine';
import { formatGenotype } from '../genotype.js';
import { assertSupernetOps, SUPERNET_EDGES } from '../supernet.js';
import { Adam } from './adam.js';
import { firstOrderArchGradient, secondOrderArchGradient, type TensorBatch } from './architect.js';
import { batchTensors, loadSearchData, makeBatch, randomSubset, type Batch, type PixelAugment, type SearchData } from './data.js';
import { DartsSupernet } from './model.js';
import type { DartsSearchSettings } from '../search-options.js';

export type { DartsSearchSettings } from '../search-options.js';

export type { PixelAugment, SearchAugment, SearchData } from './data.js';
export { batchTensors, loadSearchData, makeBatch, randomSubset } from './data.js';
export type { DartsSupernet } from './model.js';


/** One bilevel step's numbers. */
export interface StepResult {
  readonly loss: number;
  readonly correct: number;
  readonly n: number;
}

/**
 * What the bilevel trainer needs of a supernet: the DARTS one, or another space's supernet with
 * the same weight/α split (CNAS' 6-node cells).
 */
export type BilevelNet = Pick<DartsSupernet, 'run' | 'parameters' | 'weightParameters' | 'archParameters' | 'trainableWeights' | 'trainableAlphas'>;

/** The supernet with its two optimisers: the unit DARTS and DARTS-PT train. */
export class BilevelTrainer<N extends BilevelNet = DartsSupernet> {
  readonly sgd: SgdMomentum;
  readonly adam: Adam;
  constructor(
    readonly net: N,
    readonly settings: DartsSearchSettings,
    readonly classes: number,
    /** The training transform of both queues (the `crop-flip` trick's hook), or none. */
    readonly augment?: PixelAugment,
  ) {
    this.sgd = new SgdMomentum(net.weightParameters(), settings.momentum, settings.weightDecay);
    this.adam = new Adam(net.archParameters(), settings.archLearningRate, settings.archBeta1, settings.archBeta2, settings.archWeightDecay);
  }

  /** Architecture step on `valid` (skipped while α are frozen), then weight step on `train`. */
  step(train: TensorBatch, valid: TensorBatch, lr: number): StepResult {
    const { net, settings: s } = this;
    const alphas = net.trainableAlphas();
    if (alphas.length > 0) {
      const weights = net.trainableWeights();
      const grads =
        s.order === 2 && weights.length > 0
          ? secondOrderArchGradient(net, train, valid, this.classes, alphas, weights, {
              lr,
              momentum: s.momentum,
              weightDecay: s.weightDecay,
              sgd: this.sgd,
            })
          : firstOrderArchGradient(net, valid, this.classes, alphas);
      this.adam.step(grads);
      tf.dispose(grads);
    }
    const weights = net.trainableWeights();
    let hits: tf.Scalar | undefined;
    const out = tf.tidy(() => {
      const f = () => {
        const logits = net.run(train.x, { training: true }).logits;
        hits = tf.keep(topKCorrect(logits, train.y, 1));
        return crossEntropy(logits, train.y, this.classes);
      };
      if (weights.length === 0) return f();
      const { value, grads } = tf.variableGrads(f, weights.map((p) => p.variable));
      const names = weights.map((p) => p.variable.name);
      const clipped = clipByGlobalNorm(names.map((n) => grads[n]), s.gradClip);
      this.sgd.step(Object.fromEntries(names.map((n, i) => [n, clipped[i]])), lr);
      return value;
    });
    const loss = out.dataSync()[0]!;
    const correct = hits!.dataSync()[0]!;
    tf.dispose([out, hits!]);
    return { loss, correct, n: train.y.shape[0] };
  }

  /** One pass over `search-train` in a random order, each step with a random `search-valid` batch. */
  trainEpoch(data: SearchData, rng: Rng, lr: number, signal?: AbortSignal): { trainLoss: number; trainAccuracy: number } {
    const { batchSize } = this.settings;
    const augment = this.augment;
    const order = rng.permutation(data.train.count);
    let lossSum = 0;
    let correct = 0;
    for (let start = 0; start < data.train.count; start += batchSize) {
      if (signal?.aborted) throw signal.reason ?? new Error('search aborted');
      const trainBatch = makeBatch(data, data.train, order.subarray(start, Math.min(data.train.count, start + batchSize)), augment, rng);
      const validBatch = makeBatch(data, data.valid, randomSubset(rng, data.valid.count, batchSize), augment, rng);
      const t = batchTensors(data, trainBatch);
      const v = batchTensors(data, validBatch);
      try {
        const r = this.step(t, v, lr);
        lossSum += r.loss * r.n;
        correct += r.correct;
      } finally {
        tf.dispose([t.x, t.y, v.x, v.y]);
      }
    }
    return { trainLoss: lossSum / data.train.count, trainAccuracy: (100 * correct) / data.train.count };
  }

  async state(): Promise<NamedTensors> {
    const out: NamedTensors = [];
    for (const p of [...this.net.parameters(), ...this.net.archParameters()]) {
      out.push({ name: p.path, shape: p.variable.shape, values: (await p.variable.data()) as Float32Array });
    }
    return [...out, ...(await this.sgd.state()), ...(await this.adam.state())];
  }

  restore(tensors: Map<string, { values: Float32Array }>, adamSteps: number): void {
    const get = (name: string) => tensors.get(name)?.values;
    tf.tidy(() => {
      for (const p of [...this.net.parameters(), ...this.net.archParameters()]) {
        const v = get(p.path);
        if (!v || v.length !== p.variable.size) throw new Error(`checkpoint lacks ${p.path} or has another shape`);
        p.variable.assign(tf.tensor(v, p.variable.shape, 'float32'));
      }
    });
    this.sgd.restore(get);
    this.adam.restore(get, adamSteps);
  }

  dispose(): void {
    this.sgd.dispose();
    this.adam.dispose();
  }
}

/** Accuracy (%) and mean loss of the supernet on a set, without augmentation. */
export function evaluateSupernet(
  net: Pick<DartsSupernet, 'run'>,
  data: SearchData,
  set: SearchData['valid'],
  batchSize: number,
  options: { training?: boolean; limit?: number } = {},
): { accuracy: number; loss: number } {
  const count = Math.min(set.count, options.limit ?? set.count);
  let correct = 0;
  let lossSum = 0;
  const ctx = { training: options.training ?? false };
  const dummy = new Rng('unused');
  for (let start = 0; start < count; start += batchSize) {
    const idx = Array.from({ length: Math.min(batchSize, count - start) }, (_, i) => start + i);
    const b: Batch = makeBatch(data, set, idx, undefined, dummy);
    const r = tf.tidy(() => {
      const { x, y } = batchTensors(data, b);
      const logits = net.run(x, ctx).logits;
      return tf.stack([tf.mul(crossEntropy(logits, y, data.classes), b.n), tf.cast(topKCorrect(logits, y, 1), 'float32')]);
    });
    const v = r.dataSync();
    r.dispose();
    lossSum += v[0]!;
    correct += v[1]!;
  }
  return { accuracy: (100 * correct) / count, loss: lossSum / count };
}

export interface EpochRecord {
  readonly epoch: number;
  readonly lr: number;
  readonly trainLoss: number;
  readonly trainAccuracy: number;
  readonly validLoss: number;
  readonly validAccuracy: number;
  readonly seconds: number;
  /** softmax(α) after the epoch, [14][8] per cell type, `DARTS_OPS` order. */
  readonly alphas: { normal: number[][]; reduce: number[][] };
  readonly genotype: string;
}

export interface SupernetRun {
  readonly net: DartsSupernet;
  readonly trainer: BilevelTrainer;
  readonly data: SearchData;
  readonly rng: Rng;
  readonly backend: string;
  readonly records: EpochRecord[];
  readonly initialAlphas: { normal: number[][]; reduce: number[][] };
  /** Seconds spent in the epochs (summed over resumed runs). */
  readonly searchSeconds: number;
}

const round = (rows: number[][]) => rows.map((r) => r.map((v) => Math.round(v * 1e6) / 1e6));

export async function activateBackend(ctx: SearchContext<unknown>, preference: 'auto' | 'ordered'): Promise<string> {
  const selection = await selectBackend(ctx.backends, preference, { threads: ctx.threads, logger: ctx.logger });
  tf.enableProdMode();
  return selection.name;
}

/**
 * Build and train the supernet for `settings.epochs` epochs (resuming from `checkpointDir`):
 * the whole DARTS search but the final derivation. DARTS-PT continues from what this returns.
 */
export async function trainSupernet(
  ctx: SearchContext<unknown>,
  settings: DartsSearchSettings,
  checkpointDir: string,
  augment?: PixelAugment,
  /**
   * `freezeAlphas`: α never updated (DARTS-PT's fix-α variant trains its supernet so).
   * `shuffleSplit`: pt.darts' shuffled half/half split of the pooled search splits.
   * `candidates`: the ops (`PRIMITIVES` order) inside every edge's softmax from the first step;
   * default all 8 (DARTS-PT's supernet leaves `none` out).
   */
  options: { readonly freezeAlphas?: boolean; readonly shuffleSplit?: boolean; readonly candidates?: readonly boolean[] } = {},
): Promise<SupernetRun> {
  assertSupernetOps(ctx.space as { id: string; ops?: readonly string[] });
  if (settings.augment === 'crop-flip' && !augment) throw new Error('darts: augment "crop-flip" needs the crop-flip hook');
  const backend = await activateBackend(ctx, settings.backendPreference);
  const data = await loadSearchData(ctx.dataset, settings, options.shuffleSplit ? ctx.rng.split('pt.darts-split') : undefined);
  const net = new DartsSupernet({
    channels: settings.channels,
    cells: settings.cells,
    classes: data.classes,
    inputShape: data.shape,
    rng: ctx.rng.split('supernet-init'),
  });
  if (options.freezeAlphas) net.freeze({ alphas: true });
  if (options.candidates) for (const cell of ['normal', 'reduce'] as const) for (let e = 0; e < SUPERNET_EDGES; e++) net.setCandidates(cell, e, options.candidates);
  const trainer = new BilevelTrainer(net, settings, data.classes, settings.augment === 'crop-flip' ? augment : undefined);
  const initialAlphas = net.alphaSoftmaxValues();
  let rng = ctx.rng.split('search');
  const records: EpochRecord[] = [];
  let searchSeconds = 0;
  let startEpoch = 0;
  const fingerprint = canonicalJson({
    method: 'darts',
    settings: settings as unknown as Json,
    dataset: ctx.dataset.info.name,
    sizes: ctx.dataset.info.sizes as unknown as Json,
    seed: ctx.seed,
    // A supernet trained with α is never resumed as a fixed-α one (nor the other way round).
    ...(options.freezeAlphas ? { freezeAlphas: true } : {}),
    ...(options.shuffleSplit ? { shuffleSplit: true } : {}),
    ...(options.candidates && !options.candidates.every(Boolean) ? { candidates: [...options.candidates] } : {}),
  });
  const saved = await loadCheckpoint(checkpointDir);
  if (saved && saved.meta.fingerprint === fingerprint) {
    const extra = saved.meta.extra as unknown as { adamSteps: number; records: EpochRecord[]; searchSeconds: number };
    trainer.restore(saved.tensors, extra.adamSteps);
    rng = Rng.fromState(saved.meta.rng);
    startEpoch = saved.meta.epoch;
    records.push(...extra.records);
    searchSeconds = extra.searchSeconds;
    ctx.logger.info(`darts: resuming at epoch ${startEpoch} from ${checkpointDir}`);
  } else if (saved) {
    ctx.logger.warn(`darts: checkpoint in ${checkpointDir} belongs to another search; starting afresh`);
  }
  const evalBatch = settings.evalBatchSize ?? settings.batchSize;
  for (let epoch = startEpoch; epoch < settings.epochs; epoch++) {
    const started = performance.now();
    const lr = cosineLearningRate(epoch, settings.epochs, settings.learningRate, settings.learningRateMin);
    const tr = trainer.trainEpoch(data, rng, lr, ctx.signal);
    const valid = evaluateSupernet(net, data, data.valid, evalBatch);
    const seconds = (performance.now() - started) / 1000;
    searchSeconds += seconds;
    const alphas = net.alphaSoftmaxValues();
    records.push({
      epoch,
      lr,
      ...tr,
      validLoss: valid.loss,
      validAccuracy: valid.accuracy,
      seconds,
      alphas: { normal: round(alphas.normal), reduce: round(alphas.reduce) },
      genotype: formatGenotype(net.genotype()),
    });
    const metrics: EpochMetrics[] = records.map((r) => ({
      epoch: r.epoch,
      lr: r.lr,
      trainLoss: r.trainLoss,
      trainAccuracy: r.trainAccuracy,
      validAccuracy: r.validAccuracy,
      validLoss: r.validLoss,
      seconds: r.seconds,
    }));
    await saveCheckpoint(
      checkpointDir,
      {
        epoch: epoch + 1,
        metrics,
        rng: rng.state(),
        backend,
        fingerprint,
        extra: { adamSteps: trainer.adam.stepCount, records, searchSeconds } as unknown as Json,
      },
      await trainer.state(),
    );
    ctx.recordMetric(epoch, { lr, ...tr, validLoss: valid.loss, validAccuracy: valid.accuracy, seconds });
    ctx.logger.info(
      `darts epoch ${epoch + 1}/${settings.epochs}: train ${tr.trainAccuracy.toFixed(2)}%, valid ${valid.accuracy.toFixed(2)}%, ${seconds.toFixed(1)} s`,
    );
  }
  return { net, trainer, data, rng, backend, records, initialAlphas, searchSeconds };
}

/** Softmax(α) rounded to 6 decimals, as histories store them. */
export const roundAlphas = round;
