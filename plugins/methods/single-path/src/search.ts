/**
 * The Single-Path NAS search (dstamoulis/single-path-nas, `search_main.py` `nas_model_fn`): the
 * supernet's weights and thresholds are trained together, on the same batches, by one RMSProp on
 *
 *   loss = CE(label smoothing 0.1) + wd · Σ ½‖v‖² (BatchNorm excluded) + λ · 1e3 · log(R_total)
 *
 * with λ = 0 and the decisions' dropout (keep 0.6) during the warm-up, λ and no dropout after it.
 * The found architecture is the hard decisions of the final thresholds. A checkpoint is written
 * after every epoch; a killed search resumes from it to the same result.
 */
import * as tf from '@tensorflow/tfjs';
import { canonicalJson, Rng, type EpochMetrics, type ImageSet, type Json, type SearchContext, type SearchResult } from '@naslab/core';
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

interface SearchSet {
  readonly set: ImageSet;
  readonly table: Float32Array;
}

function head(set: ImageSet, n: number | undefined): ImageSet {
  if (n === undefined || n >= set.count) return set;
  const per = set.shape[0] * set.shape[1] * set.shape[2];
  return { pixels: set.pixels.subarray(0, n * per), labels: set.labels.subarray(0, n), count: n, shape: set.shape };
}

function batchOf(data: SearchSet, indices: ArrayLike<number>): { x: tf.Tensor4D; y: tf.Tensor1D } {
  const { set, table } = data;
  const [h, w, c] = set.shape;
  const per = h * w * c;
  const n = indices.length;
  const pixels = new Uint8Array(n * per);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const k = indices[i]!;
    labels[i] = set.labels[k]!;
    pixels.set(set.pixels.subarray(k * per, (k + 1) * per), i * per);
  }
  return { x: tf.tensor4d(normaliseWithTable(pixels, table, c), [n, h, w, c]), y: tf.tensor1d(labels, 'int32') };
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
    return [...out, ...(await this.optimizer.state())];
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
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}

function evaluate(net: SinglePathSupernet['net'], data: SearchSet, batchSize: number): number {
  let correct = 0;
  for (let start = 0; start < data.set.count; start += batchSize) {
    const idx = Array.from({ length: Math.min(batchSize, data.set.count - start) }, (_, i) => start + i);
    const n = tf.tidy(() => {
      const { x, y } = batchOf(data, idx);
      return topKCorrect(net.run(x, { training: false }).logits, y, 1);
    });
    correct += n.dataSync()[0]!;
    n.dispose();
  }
  return data.set.count ? (100 * correct) / data.set.count : 0;
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

  const [trainSet, validSet] = await Promise.all([ctx.dataset.load('search-train'), ctx.dataset.load('search-valid')]);
  const { info } = ctx.dataset;
  const norm = normalisationTable(info.mean, info.std, trainSet.shape[2]);
  const train: SearchSet = { set: head(trainSet, settings.trainSubset), table: norm };
  const valid: SearchSet = { set: head(validSet, settings.validSubset), table: norm };

  const supernet = await buildSupernet(
    { classes: info.classes, inputShape: trainSet.shape, rng: ctx.rng.split('supernet-init') },
    space.networkOptions,
    { table, constantMs: space.latencyConstantMs },
  );
  const trainer = new SinglePathTrainer(supernet, settings, info.classes);
  try {
    const stepsPerEpoch = Math.ceil(train.set.count / settings.batchSize);
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
      const order = rng.permutation(train.set.count);
      let lossSum = 0;
      let correct = 0;
      let lr = learningRateAt(step, stepsPerEpoch, settings);
      let lambda = 0;
      let stepLatencyMs = Number.NaN;
      for (let start = 0; start < train.set.count; start += settings.batchSize) {
        if (ctx.signal.aborted) throw ctx.signal.reason ?? new Error('search aborted');
        const warmup = step < warmupSteps;
        lr = learningRateAt(step, stepsPerEpoch, settings);
        lambda = warmup ? 0 : settings.runtimeLambda;
        const { x, y } = batchOf(train, order.subarray(start, Math.min(train.set.count, start + settings.batchSize)));
        try {
          const r = trainer.step(x, y, { lr, lambda, warmup, rng });
          lossSum += r.loss * y.shape[0];
          correct += r.correct;
          stepLatencyMs = r.latencyMs;
        } finally {
          tf.dispose([x, y]);
        }
        step++;
      }
      const validAccuracy = evaluate(supernet.net, valid, settings.evalBatchSize ?? settings.batchSize);
      const arch = supernet.derive();
      const seconds = (performance.now() - started) / 1000;
      searchSeconds += seconds;
      const record: SinglePathEpoch = {
        epoch,
        lr,
        lambda,
        trainLoss: lossSum / train.set.count,
        trainAccuracy: (100 * correct) / train.set.count,
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
      cost: { wallSeconds: searchSeconds, epochs: settings.epochs },
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
