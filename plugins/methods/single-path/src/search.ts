/**
 * The Single-Path NAS search (dstamoulis/single-path-nas, `search_main.py` `nas_model_fn`): the
 * supernet's weights and thresholds are trained together, on the same batches, by one RMSProp on
 *
 *   loss = CE(label smoothing 0.1) + wd · Σ ½‖v‖² (BatchNorm excluded) + λ · 1e3 · log(R_total)
 *
 * with λ = 0 and the decisions' dropout (keep 0.6) during the warm-up, λ and no dropout after it.
 * The found architecture is the hard decisions of the final thresholds. The data is streamed
 * (`datasetBatches`: the dataset's own training preprocessing for `search-train`); `search-valid`
 * is measured with the moving average of the weights, as the reference evaluates. A checkpoint is
 * written after every epoch; a killed search resumes from it to the same result.
 */
import * as tf from '@tensorflow/tfjs';
import {
  canonicalJson,
  datasetBatches,
  Rng,
  type Dataset,
  type DatasetInfo,
  type DatasetSplit,
  type EpochMetrics,
  type ImageBatch,
  type ImageSet,
  type Json,
  type SearchContext,
  type SearchResult,
} from '@naslab/core';
import {
  BatchNorm,
  loadCheckpoint,
  normalisationTable,
  normaliseWithTable,
  saveCheckpoint,
  selectBackend,
  topKCorrect,
  type Module,
  type NamedTensors,
  type ParameterInfo,
} from '@naslab/engine';
import { formatArch, predictLatency, type LayerChoice, type MbconvSpace } from '@naslab/space-mbconv';
import type { SinglePathOptions } from './options.js';
import { RmsProp } from './rmsprop.js';
import { buildSupernet, type SinglePathSupernet } from './supernet.js';
import { WeightAverage } from './weight-average.js';

/** One epoch of the search, as the history stores it. */
export interface SinglePathEpoch {
  readonly epoch: number;
  readonly lr: number;
  readonly lambda: number;
  readonly trainLoss: number;
  readonly trainAccuracy: number;
  readonly validAccuracy: number;
  /** R_total of the supernet's last training step (ms; soft under the warm-up's dropout). */
  readonly stepLatencyMs: number;
  /** The architecture the thresholds select after the epoch, and its predicted latency. */
  readonly arch: string;
  readonly latencyMs: number;
  readonly seconds: number;
}

/**
 * The dataset as the search reads it: a dataset with `batches` is streamed (its own training
 * preprocessing in `train` mode: random crops and flips of an image folder), cut after `limit`
 * images of a pass; one without is loaded once, its first `limit` images kept, and sliced into
 * shuffled batches (`datasetBatches`).
 */
export function searchDataset(dataset: Dataset, limits: Partial<Record<DatasetSplit, number>>): Dataset {
  if (typeof dataset.batches === 'function') {
    const stream = dataset.batches.bind(dataset);
    return {
      info: dataset.info,
      load: (split) => dataset.load(split),
      batches: (split, options) => cutAfter(stream(split, options), limits[split]),
    };
  }
  const loaded = new Map<DatasetSplit, Promise<ImageSet>>();
  return {
    info: dataset.info,
    load: (split) => {
      if (!loaded.has(split)) loaded.set(split, dataset.load(split).then((set) => head(set, limits[split])));
      return loaded.get(split)!;
    },
  };
}

/** Images a pass over `split` of `searchDataset(dataset, limits)` gives. */
export function imagesPerPass(info: DatasetInfo, split: DatasetSplit, limit: number | undefined): number {
  return Math.min(info.sizes[split], limit ?? Number.POSITIVE_INFINITY);
}

function head(set: ImageSet, n: number | undefined): ImageSet {
  if (n === undefined || n >= set.count) return set;
  const per = set.shape[0] * set.shape[1] * set.shape[2];
  return { pixels: set.pixels.subarray(0, n * per), labels: set.labels.subarray(0, n), count: n, shape: set.shape };
}

async function* cutAfter(batches: AsyncIterable<ImageBatch>, limit: number | undefined): AsyncGenerator<ImageBatch> {
  let seen = 0;
  if (limit !== undefined && limit <= 0) return;
  for await (const b of batches) {
    const n = limit === undefined ? b.count : Math.min(b.count, limit - seen);
    const per = b.shape[0] * b.shape[1] * b.shape[2];
    yield n === b.count ? b : { pixels: b.pixels.subarray(0, n * per), labels: b.labels.subarray(0, n), count: n, shape: b.shape };
    seen += n;
    // Stop before the stream prepares another batch.
    if (limit !== undefined && seen >= limit) return;
  }
}

function tensorsOf(batch: ImageBatch, table: Float32Array, expected: readonly [number, number, number], dataset: string): { x: tf.Tensor4D; y: tf.Tensor1D } {
  const [h, w, c] = batch.shape;
  if (h !== expected[0] || w !== expected[1] || c !== expected[2]) {
    throw new Error(`single-path: dataset ${dataset} gave a batch of ${h}×${w}×${c}, its info says ${expected.join('×')}`);
  }
  return { x: tf.tensor4d(normaliseWithTable(batch.pixels, table, c), [batch.count, h, w, c]), y: tf.tensor1d(batch.labels, 'int32') };
}

/** TensorFlow's `softmax_cross_entropy(label_smoothing=ε)`: targets one-hot · (1 − ε) + ε / K. */
export function smoothedCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D, classes: number, smoothing: number): tf.Scalar {
  const target = tf.add(tf.mul(tf.oneHot(labels, classes).toFloat(), 1 - smoothing), smoothing / classes);
  return tf.neg(tf.mean(tf.sum(tf.mul(target, tf.logSoftmax(logits)), 1))) as tf.Scalar;
}

/** The reference's learning rate: lr · batch/256, × decay every decayEpochs epochs (staircase, no warm-up). */
export function learningRateAt(step: number, stepsPerEpoch: number, s: SinglePathOptions): number {
  const base = (s.learningRate * s.batchSize) / 256;
  return base * s.lrDecay ** Math.floor(step / (stepsPerEpoch * s.lrDecayEpochs));
}

/** Variables of BatchNorm layers (no weight decay on them, as the reference's `'batch_normalization' not in v.name`). */
function batchNormVariables(module: Module, out = new Set<string>()): Set<string> {
  if (module instanceof BatchNorm) for (const p of module.parameters()) out.add(p.variable.name);
  for (const [, child] of module.children()) batchNormVariables(child, out);
  return out;
}

/** The supernet with its optimiser: one training step, state for checkpoints. */
export class SinglePathTrainer {
  readonly trainable: ParameterInfo[];
  readonly optimizer: RmsProp;
  /** The moving average of every variable (null with `movingAverageDecay` 0). */
  readonly average: WeightAverage | null;
  private readonly decayed: Set<string>;

  constructor(
    readonly supernet: SinglePathSupernet,
    readonly settings: SinglePathOptions,
    readonly classes: number,
  ) {
    this.trainable = supernet.net.parameters().filter((p) => p.trainable);
    const bn = batchNormVariables(supernet.net);
    this.decayed = new Set(this.trainable.filter((p) => !bn.has(p.variable.name)).map((p) => p.variable.name));
    this.optimizer = new RmsProp(this.trainable, { decay: settings.rmspropDecay, momentum: settings.rmspropMomentum, epsilon: settings.rmspropEpsilon });
    this.average = settings.movingAverageDecay > 0 ? new WeightAverage(supernet.net.parameters(), settings.movingAverageDecay) : null;
  }

  /** One step on (x, y): warm-up steps have λ = 0 and the decisions' dropout. */
  step(x: tf.Tensor4D, y: tf.Tensor1D, o: { lr: number; lambda: number; warmup: boolean; rng: Rng }): { loss: number; correct: number; latencyMs: number } {
    const { supernet, settings: s } = this;
    supernet.setDecisionKeep(o.warmup ? s.decisionKeep : 1);
    let ce: tf.Scalar | undefined;
    let latency: tf.Scalar | undefined;
    let hits: tf.Scalar | undefined;
    tf.tidy(() => {
      const f = () => {
        const logits = supernet.net.run(x, { training: true, rng: o.rng }).logits;
        hits = tf.keep(topKCorrect(logits, y, 1));
        const c = smoothedCrossEntropy(logits, y, this.classes, s.labelSmoothing);
        const r = supernet.latencyOfLastPass();
        ce = tf.keep(c);
        latency = tf.keep(r);
        return (o.lambda > 0 ? tf.add(c, tf.mul(o.lambda * 1e3, tf.log(r))) : c) as tf.Scalar;
      };
      const { grads } = tf.variableGrads(f, this.trainable.map((p) => p.variable));
      if (s.weightDecay > 0) {
        for (const p of this.trainable) {
          const g = grads[p.variable.name];
          if (g && this.decayed.has(p.variable.name)) grads[p.variable.name] = tf.add(g, tf.mul(p.variable, s.weightDecay));
        }
      }
      this.optimizer.step(grads, o.lr);
    });
    const out = { loss: ce!.dataSync()[0]!, correct: hits!.dataSync()[0]!, latencyMs: latency!.dataSync()[0]! };
    tf.dispose([ce!, hits!, latency!]);
    return out;
  }

  async state(): Promise<NamedTensors> {
    const out: NamedTensors = [];
    for (const p of this.supernet.net.parameters()) out.push({ name: p.path, shape: p.variable.shape, values: (await p.variable.data()) as Float32Array });
    return [...out, ...(await this.optimizer.state()), ...(this.average ? await this.average.state() : [])];
  }

  restore(tensors: Map<string, { values: Float32Array }>): void {
    const get = (name: string) => tensors.get(name)?.values;
    tf.tidy(() => {
      for (const p of this.supernet.net.parameters()) {
        const v = get(p.path);
        if (!v || v.length !== p.variable.size) throw new Error(`checkpoint lacks ${p.path} or has another shape`);
        p.variable.assign(tf.tensor(v, p.variable.shape, 'float32'));
      }
    });
    this.optimizer.restore(get);
    this.average?.restore(get);
  }

  dispose(): void {
    this.optimizer.dispose();
    this.average?.dispose();
  }
}

/** Top-1 accuracy (%) of the supernet (evaluation mode) over one pass of `split`. */
async function evaluate(net: SinglePathSupernet['net'], dataset: Dataset, split: DatasetSplit, batchSize: number, table: Float32Array, signal: AbortSignal): Promise<number> {
  let correct = 0;
  let count = 0;
  for await (const batch of datasetBatches(dataset, split, { batchSize, mode: 'eval', signal })) {
    const n = tf.tidy(() => {
      const { x, y } = tensorsOf(batch, table, dataset.info.shape, dataset.info.name);
      return topKCorrect(net.run(x, { training: false }).logits, y, 1);
    });
    correct += n.dataSync()[0]!;
    count += batch.count;
    n.dispose();
  }
  return count ? (100 * correct) / count : 0;
}

/** The whole search: train the supernet with its thresholds, then read the hard decisions. */
export async function searchSinglePath(ctx: SearchContext<LayerChoice[]>, settings: SinglePathOptions): Promise<SearchResult<LayerChoice[]>> {
  const space = ctx.space as unknown as MbconvSpace;
  if (space.id !== 'mbconv') throw new Error(`single-path: needs the 'mbconv' search space, got '${ctx.space.id}'`);
  const table = space.latencyTable;
  if (!table) throw new Error("single-path: the mbconv space has no latency table: set the space's latencyTable option (the reference's pixel1_runtime_model.json or a table of your device)");
  const selection = await selectBackend(ctx.backends, settings.backendPreference, { threads: ctx.threads, logger: ctx.logger });
  tf.enableProdMode();
  const backend = selection.name;

  const { info } = ctx.dataset;
  const data = searchDataset(ctx.dataset, { 'search-train': settings.trainSubset, 'search-valid': settings.validSubset });
  const norm = normalisationTable(info.mean, info.std, info.shape[2]);
  const trainCount = imagesPerPass(info, 'search-train', settings.trainSubset);
  if (trainCount === 0) throw new Error(`single-path: dataset ${info.name} has no search-train images`);

  const supernet = await buildSupernet(
    { classes: info.classes, inputShape: info.shape, rng: ctx.rng.split('supernet-init') },
    space.networkOptions,
    { table, constantMs: space.latencyConstantMs },
  );
  const trainer = new SinglePathTrainer(supernet, settings, info.classes);
  try {
    const stepsPerEpoch = Math.ceil(trainCount / settings.batchSize);
    const warmupSteps = Math.round(settings.warmupEpochs * stepsPerEpoch);
    const fingerprint = canonicalJson({
      method: 'single-path',
      settings: settings as unknown as Json,
      space: space.networkOptions as unknown as Json,
      table: table.rows as unknown as Json,
      dataset: info.name,
      sizes: info.sizes as unknown as Json,
      seed: ctx.seed,
    });
    let rng = ctx.rng.split('search');
    let step = 0;
    let startEpoch = 0;
    let searchSeconds = 0;
    const records: SinglePathEpoch[] = [];
    const saved = await loadCheckpoint(ctx.checkpointDir);
    if (saved && saved.meta.fingerprint === fingerprint) {
      const extra = saved.meta.extra as unknown as { step: number; records: SinglePathEpoch[]; searchSeconds: number };
      trainer.restore(saved.tensors);
      rng = Rng.fromState(saved.meta.rng);
      startEpoch = saved.meta.epoch;
      step = extra.step;
      records.push(...extra.records);
      searchSeconds = extra.searchSeconds;
      ctx.logger.info(`single-path: resuming at epoch ${startEpoch} from ${ctx.checkpointDir}`);
    } else if (saved) {
      ctx.logger.warn(`single-path: the checkpoint in ${ctx.checkpointDir} belongs to another search; starting afresh`);
    }

    for (let epoch = startEpoch; epoch < settings.epochs; epoch++) {
      const started = performance.now();
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      let lr = learningRateAt(step, stepsPerEpoch, settings);
      let lambda = 0;
      let stepLatencyMs = Number.NaN;
      // The epoch's order and augmentation draw from their own stream, as the engine's trainer.
      const stream = datasetBatches(data, 'search-train', { batchSize: settings.batchSize, mode: 'train', rng: rng.split(`data-epoch-${epoch}`), signal: ctx.signal });
      for await (const batch of stream) {
        if (ctx.signal.aborted) throw ctx.signal.reason ?? new Error('search aborted');
        const warmup = step < warmupSteps;
        lr = learningRateAt(step, stepsPerEpoch, settings);
        lambda = warmup ? 0 : settings.runtimeLambda;
        const { x, y } = tensorsOf(batch, norm, info.shape, info.name);
        try {
          const r = trainer.step(x, y, { lr, lambda, warmup, rng });
          if (!Number.isFinite(r.loss)) throw new Error(`single-path: the loss diverged (${r.loss}) at epoch ${epoch + 1}, step ${step + 1}: lower learningRate or runtimeLambda`);
          lossSum += r.loss * batch.count;
          correct += r.correct;
          seen += batch.count;
          stepLatencyMs = r.latencyMs;
        } finally {
          tf.dispose([x, y]);
        }
        step++;
        trainer.average?.update(step);
      }
      if (seen !== trainCount) throw new Error(`single-path: dataset ${info.name} gave ${seen} search-train images in an epoch, its info says ${trainCount}`);
      const evalBatch = settings.evalBatchSize ?? settings.batchSize;
      const validOf = () => evaluate(supernet.net, data, 'search-valid', evalBatch, norm, ctx.signal);
      // The reference evaluates with the moving averages of the weights and BatchNorm statistics.
      const validAccuracy = trainer.average ? await trainer.average.withAverages(validOf) : await validOf();
      const arch = supernet.derive();
      const seconds = (performance.now() - started) / 1000;
      searchSeconds += seconds;
      const record: SinglePathEpoch = {
        epoch,
        lr,
        lambda,
        trainLoss: lossSum / seen,
        trainAccuracy: (100 * correct) / seen,
        validAccuracy,
        stepLatencyMs,
        arch: formatArch(arch),
        latencyMs: predictLatency(arch, table, space.latencyConstantMs),
        seconds,
      };
      records.push(record);
      const metrics: EpochMetrics[] = records.map((r) => ({ epoch: r.epoch, lr: r.lr, trainLoss: r.trainLoss, trainAccuracy: r.trainAccuracy, validAccuracy: r.validAccuracy, seconds: r.seconds }));
      await saveCheckpoint(
        ctx.checkpointDir,
        { epoch: epoch + 1, metrics, rng: rng.state(), backend, fingerprint, extra: { step, records, searchSeconds } as unknown as Json },
        await trainer.state(),
      );
      ctx.recordMetric(epoch, { lr, lambda, trainLoss: record.trainLoss, trainAccuracy: record.trainAccuracy, validAccuracy, latencyMs: record.latencyMs, seconds });
      ctx.logger.info(
        `single-path epoch ${epoch + 1}/${settings.epochs}: train ${record.trainAccuracy.toFixed(2)}%, valid ${validAccuracy.toFixed(2)}%, ` +
          `λ ${lambda}, ${record.latencyMs.toFixed(2)} ms: ${record.arch} (${seconds.toFixed(1)} s)`,
      );
    }

    const arch = supernet.derive();
    const thresholds = supernet.superkernels.map((sk) =>
      [sk.t5x5, sk.t50c, sk.t100c].map((t) => Math.round(t.dataSync()[0]! * 1e6) / 1e6),
    );
    return {
      architectures: [arch],
      cost: { wallSeconds: searchSeconds, epochs: settings.epochs, trained: { count: 1, unit: 'supernet' } },
      history: {
        backend,
        stepsPerEpoch,
        warmupSteps,
        arch: formatArch(arch),
        latencyMs: predictLatency(arch, table, space.latencyConstantMs),
        thresholds,
        epochs: records as unknown as Json,
      },
    };
  } finally {
    trainer.dispose();
    supernet.dispose();
  }
}
