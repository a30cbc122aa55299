/**
 * Train-from-scratch: the DARTS evaluation loop (quark0/darts cnn/train.py) on TensorFlow.js.
 * SGD with momentum and weight decay as PyTorch applies them, cosine annealing per epoch,
 * global-norm gradient clipping, softmax cross-entropy, a per-epoch shuffle from the job's
 * random stream, checkpoints at every epoch end. Tricks act only through `TrainingHooks`.
 */
import { gatherImages } from './image-sets.js';
import * as tf from '@tensorflow/tfjs';
import { DivergedError, Rng, canonicalJson, type Dataset, type EpochMetrics, type ImageBatch, type ImageSet, type TrainContext, type TrainResult } from '@naslab/core';
import { selectBackend } from './backend.js';
import { variableGradsFreeing } from './backprop.js';
import { loadCheckpoint, saveCheckpoint } from './checkpoint.js';
import { composeWrapOp, type EpochState, type TrainingHooks } from './hooks.js';
import { crossEntropy, topKCorrect } from './loss.js';
import { countParameters, uniqueVariable, type ForwardContext, type ParameterInfo } from './module.js';
import { isTrainableSpace, type Network, type NetworkSpec } from './network.js';
import { countFlops } from './flops.js';
import { clipByGlobalNorm, normalisationTable, normaliseWithTable as normalise, sgdUpdate } from './optim.js';
import type { EngineProtocol } from './protocol.js';

export interface TrainerOptions {
  /** Batch size for test evaluation (default: the protocol's). */
  readonly evalBatchSize?: number;
  /** 'auto' sorts the allowed backends by priority; 'ordered' tries them as given. */
  readonly backendPreference?: 'auto' | 'ordered';
  /** Hooks in addition to the context's tricks (run after them). */
  readonly hooks?: readonly TrainingHooks[];
}

/** PyTorch `CosineAnnealingLR(T_max = epochs, eta_min)` at (0-based) epoch e. */
export function cosineLearningRate(epoch: number, epochs: number, lr: number, lrMin: number): number {
  return lrMin + ((lr - lrMin) * (1 + Math.cos((Math.PI * epoch) / epochs))) / 2;
}

/** Top-1 / top-5 accuracy (%) of the network in evaluation mode. */
export function evaluateAccuracy(
  network: Network,
  set: ImageSet,
  table: Float32Array,
  batchSize: number,
): { top1: number; top5: number } {
  const [h, w, c] = set.shape;
  let top1 = 0;
  let top5 = 0;
  const ctx: ForwardContext = { training: false };
  for (let start = 0; start < set.count; start += batchSize) {
    const end = Math.min(set.count, start + batchSize);
    const idx = Array.from({ length: end - start }, (_, i) => start + i);
    const { pixels, labels } = gatherImages(set, idx);
    const x = normalise(pixels, table, c);
    const counts = tf.tidy(() => {
      const out = network.run(tf.tensor4d(x, [idx.length, h, w, c]), ctx);
      const ys = tf.tensor1d(labels, 'int32');
      return tf.stack([topKCorrect(out.logits, ys, 1), topKCorrect(out.logits, ys, 5)]);
    });
    const v = counts.dataSync();
    counts.dispose();
    top1 += v[0]!;
    top5 += v[1]!;
  }
  return { top1: (100 * top1) / set.count, top5: (100 * top5) / set.count };
}

/** Top-1 / top-5 accuracy (%) over a stream of batches (a dataset's `batches` in eval mode). */
export async function evaluateAccuracyOfBatches(network: Network, batches: AsyncIterable<ImageBatch>, table: Float32Array): Promise<{ top1: number; top5: number }> {
  let top1 = 0;
  let top5 = 0;
  let count = 0;
  const ctx: ForwardContext = { training: false };
  for await (const batch of batches) {
    const [h, w, c] = batch.shape;
    const x = normalise(batch.pixels, table, c);
    const counts = tf.tidy(() => {
      const out = network.run(tf.tensor4d(x, [batch.count, h, w, c]), ctx);
      const ys = tf.tensor1d(batch.labels, 'int32');
      return tf.stack([topKCorrect(out.logits, ys, 1), topKCorrect(out.logits, ys, 5)]);
    });
    const v = counts.dataSync();
    counts.dispose();
    top1 += v[0]!;
    top5 += v[1]!;
    count += batch.count;
  }
  if (count === 0) throw new Error('the test split has no images');
  return { top1: (100 * top1) / count, top5: (100 * top5) / count };
}

/**
 * The dataset's splits as the loop reads them: in memory (`load`), or — for a dataset with
 * `batches` — as one stream per epoch, whose random draws (order, augmentation) come from the
 * epoch's own stream `rng.split('data-epoch-<e>')`, so a dataset that works ahead on other threads
 * never shifts the trainer's draws.
 */
type TrainData =
  | { readonly kind: 'memory'; readonly train: ImageSet; readonly test: ImageSet }
  | { readonly kind: 'stream'; readonly dataset: Dataset & { batches: NonNullable<Dataset['batches']> } };

async function trainData(dataset: Dataset): Promise<TrainData> {
  if (typeof dataset.batches === 'function') return { kind: 'stream', dataset: dataset as Dataset & { batches: NonNullable<Dataset['batches']> } };
  const [train, test] = await Promise.all([dataset.load('train'), dataset.load('test')]);
  return { kind: 'memory', train, test };
}

export interface TrainStepSetup {
  readonly network: Network;
  /** Trainable parameters, in the order of `buffers`. */
  readonly trainable: readonly ParameterInfo[];
  /** Momentum buffers, one per trainable parameter. */
  readonly buffers: readonly tf.Variable[];
  readonly hooks: readonly TrainingHooks[];
  readonly classes: number;
  readonly protocol: Pick<EngineProtocol, 'gradClip' | 'weightDecay' | 'momentum'>;
  readonly inputShape: readonly [number, number, number];
}

/**
 * One SGD step on a normalised batch: forward in training mode, cross-entropy (+ hooks' extra
 * losses), gradients, global-norm clipping, then PyTorch's SGD (grad += wd·w; buf = m·buf + grad;
 * w −= lr·buf). Returns the batch's mean loss and number of top-1 hits.
 */
export function createTrainStep(s: TrainStepSetup) {
  const { network, trainable, buffers, hooks, classes, protocol } = s;
  const [h, w, c] = s.inputShape;
  const variables = trainable.map((p) => p.variable);
  return (x: Float32Array, labels: Int32Array, n: number, lr: number, rng?: Rng): { loss: number; correct: number } => {
    const fctx: ForwardContext = { training: true, rng };
    let hits: tf.Scalar | undefined;
    const stepOut = tf.tidy(() => {
      let xs = tf.tensor4d(x, [n, h, w, c]);
      for (const hook of hooks) if (hook.augmentBatch) xs = hook.augmentBatch(xs, rng!);
      const ys = tf.tensor1d(labels, 'int32');
      // The backward pass frees each gradient once used (tfjs keeps them all to the end).
      const { value, grads } = variableGradsFreeing(() => {
        const output = network.run(xs, fctx);
        hits = tf.keep(topKCorrect(output.logits, ys, 1));
        let loss = crossEntropy(output.logits, ys, classes);
        for (const hook of hooks) {
          const extra = hook.extraLoss?.({ output, labels: ys, classes, ctx: fctx });
          if (extra) loss = tf.add(loss, extra);
        }
        return loss;
      }, variables);
      // PyTorch skips parameters without a gradient (unused this step) entirely.
      const scaled = clipByGlobalNorm(
        trainable.map((p) => grads[p.variable.name]),
        protocol.gradClip,
      );
      trainable.forEach((p, i) => {
        const g = scaled[i];
        if (g) sgdUpdate(p.variable, buffers[i]!, g, { lr, momentum: protocol.momentum, weightDecay: protocol.weightDecay });
      });
      return tf.stack([value, tf.cast(hits!, 'float32')]);
    });
    const v = stepOut.dataSync();
    stepOut.dispose();
    hits?.dispose();
    return { loss: v[0]!, correct: v[1]! };
  };
}

function momentumName(path: string): string {
  return `momentum:${path}`;
}

export async function trainFromScratch(ctx: TrainContext<unknown, EngineProtocol>, options: TrainerOptions = {}): Promise<TrainResult> {
  const started = performance.now();
  const selection = await selectBackend(ctx.backends, options.backendPreference ?? 'auto', {
    threads: ctx.threads,
    logger: ctx.logger,
  });
  tf.enableProdMode();
  const space = ctx.space;
  if (!isTrainableSpace(space)) throw new Error(`space "${space.id}" cannot build networks (it has no buildNetwork)`);
  const { protocol } = ctx;
  const info = ctx.dataset.info;
  const data = await trainData(ctx.dataset);
  const [h, w, c] = data.kind === 'memory' ? data.train.shape : info.shape;
  const trainCount = data.kind === 'memory' ? data.train.count : info.sizes.train;
  const table = normalisationTable(info.mean, info.std, c);
  const hooks: TrainingHooks[] = [...ctx.tricks.map((t) => t.hooks), ...(options.hooks ?? [])];

  const spec: NetworkSpec = {
    channels: protocol.channels,
    cells: protocol.cells,
    classes: info.classes,
    inputShape: [h, w, c],
    rng: ctx.rng.split('init'),
    hooks: { wrapOp: composeWrapOp(hooks) },
  };
  const network = space.buildNetwork(ctx.arch, spec);
  for (const hook of hooks) hook.buildNetwork?.(network, spec);
  const params: ParameterInfo[] = network.parameters();
  const trainable = params.filter((p) => p.trainable);
  const buffers = trainable.map((p) => uniqueVariable(tf.zerosLike(p.variable), false, 'momentum'));
  const paramCount = countParameters(network);
  const flops = countFlops(network, [h, w, c]);

  let rng = ctx.rng.split('train');
  let startEpoch = 0;
  const metrics: EpochMetrics[] = [];
  const fingerprint = canonicalJson({ arch: ctx.archText, protocol, tricks: ctx.tricks.map((t) => t.id), seed: ctx.seed });
  const saved = await loadCheckpoint(ctx.checkpointDir);
  if (saved && saved.meta.fingerprint === fingerprint) {
    const restore = (name: string, v: tf.Variable) => {
      const t = saved.tensors.get(name);
      if (!t || t.values.length !== v.size) throw new Error(`checkpoint in ${ctx.checkpointDir} lacks ${name} or has another shape`);
      v.assign(tf.tensor(t.values, v.shape, 'float32'));
    };
    tf.tidy(() => {
      for (const p of params) restore(p.path, p.variable);
      trainable.forEach((p, i) => restore(momentumName(p.path), buffers[i]!));
    });
    rng = Rng.fromState(saved.meta.rng);
    startEpoch = saved.meta.epoch;
    metrics.push(...saved.meta.metrics);
    ctx.logger.info(`resuming at epoch ${startEpoch} from ${ctx.checkpointDir}`);
  } else if (saved) {
    ctx.logger.warn(`checkpoint in ${ctx.checkpointDir} belongs to another job; starting afresh`);
  }

  const step = createTrainStep({ network, trainable, buffers, hooks, classes: info.classes, protocol, inputShape: [h, w, c] });
  const evalBatch = options.evalBatchSize ?? protocol.batchSize;
  const epochs = protocol.epochs;
  const per = h * w * c;
  try {
    for (let epoch = startEpoch; epoch < epochs; epoch++) {
      const epochStarted = performance.now();
      const lr = cosineLearningRate(epoch, epochs, protocol.learningRate, protocol.learningRateMin);
      const state: EpochState = { epoch, epochs, protocol, network, lr };
      for (const hook of hooks) hook.epochStart?.(state);
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      let batchIndex = 0;
      const trainOn = (batch: { pixels: Uint8Array; labels: Int32Array }, n: number) => {
        let { pixels } = batch;
        const { labels } = batch;
        for (const hook of hooks) {
          const r = hook.augmentPixels?.({ pixels, labels, count: n, shape: [h, w, c] }, rng);
          if (r) pixels = r;
        }
        if (pixels.length !== n * per) throw new Error('augmentPixels returned a batch of the wrong size');
        const x = normalise(pixels, table, c);
        const v = step(x, labels, n, lr, rng);
        // A NaN/∞ loss never recovers (the weights are NaN from here on): stop now and say where.
        if (!Number.isFinite(v.loss)) throw new DivergedError({ epoch, step: batchIndex, loss: v.loss });
        batchIndex++;
        lossSum += v.loss * n;
        correct += v.correct;
        seen += n;
      };
      if (data.kind === 'memory') {
        const order = rng.permutation(trainCount);
        for (let start = 0; start < trainCount; start += protocol.batchSize) {
          if (ctx.signal.aborted) throw ctx.signal.reason ?? new Error('training aborted');
          const idx = order.subarray(start, Math.min(trainCount, start + protocol.batchSize));
          trainOn(gatherImages(data.train, idx), idx.length);
        }
      } else {
        const stream = data.dataset.batches('train', { batchSize: protocol.batchSize, mode: 'train', rng: rng.split(`data-epoch-${epoch}`), signal: ctx.signal });
        for await (const batch of stream) {
          if (ctx.signal.aborted) throw ctx.signal.reason ?? new Error('training aborted');
          if (batch.shape[0] !== h || batch.shape[1] !== w || batch.shape[2] !== c) {
            throw new Error(`dataset ${info.name} streamed a batch of ${batch.shape.join('×')}, its info says ${h}×${w}×${c}`);
          }
          trainOn(batch, batch.count);
        }
        if (seen !== trainCount) throw new Error(`dataset ${info.name} streamed ${seen} training images, its info says ${trainCount}`);
      }
      for (const hook of hooks) hook.epochEnd?.(state);
      const m: Record<string, number> = {
        epoch,
        lr,
        trainLoss: lossSum / trainCount,
        trainAccuracy: (100 * correct) / trainCount,
        seconds: 0,
      };
      if ((epoch + 1) % Math.max(1, protocol.testEvery) === 0 || epoch === epochs - 1) {
        const acc =
          data.kind === 'memory'
            ? evaluateAccuracy(network, data.test, table, evalBatch)
            : await evaluateAccuracyOfBatches(network, data.dataset.batches('test', { batchSize: evalBatch, mode: 'eval', signal: ctx.signal }), table);
        m.testAccuracy = acc.top1;
        m.testTop5 = acc.top5;
      }
      m.seconds = (performance.now() - epochStarted) / 1000;
      const em = m as unknown as EpochMetrics;
      metrics.push(em);
      await saveCheckpoint(
        ctx.checkpointDir,
        { epoch: epoch + 1, metrics, rng: rng.state(), backend: selection.name, fingerprint },
        await snapshot(params, trainable, buffers),
      );
      ctx.onEpoch(em);
    }
  } finally {
    network.dispose();
    for (const b of buffers) b.dispose();
  }
  const tested = metrics.filter((m) => m.testAccuracy !== undefined);
  const last = tested[tested.length - 1];
  return {
    epochs: metrics,
    finalAccuracy: last?.testAccuracy ?? Number.NaN,
    bestAccuracy: tested.reduce((b, m) => Math.max(b, m.testAccuracy!), Number.NEGATIVE_INFINITY),
    finalTop5: last?.testTop5,
    params: paramCount,
    flops,
    backend: selection.name,
    ...(selection.device !== undefined ? { device: selection.device } : {}),
    ...(selection.package !== undefined ? { backendPackage: selection.package } : {}),
    wallSeconds: (performance.now() - started) / 1000,
    weightsFile: 'checkpoint.json',
  };
}

async function snapshot(params: ParameterInfo[], trainable: ParameterInfo[], buffers: tf.Variable[]) {
  const out: Array<{ name: string; shape: readonly number[]; values: Float32Array }> = [];
  for (const p of params) out.push({ name: p.path, shape: p.variable.shape, values: (await p.variable.data()) as Float32Array });
  for (let i = 0; i < trainable.length; i++) {
    out.push({ name: momentumName(trainable[i]!.path), shape: buffers[i]!.shape, values: (await buffers[i]!.data()) as Float32Array });
  }
  return out;
}
