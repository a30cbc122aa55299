/**
 * The NAO-WS search (`NAO/train_search.py` `main`): a pool of random archs (5 searched ops); each
 * epoch trains the shared child on `search-train`, one arch of the pool per minibatch (drawn ∝ its
 * parameter count); every `evalEpochs` epochs each arch of the pool is scored on one random
 * `search-valid` batch, the pool is sorted, the encoder–predictor–decoder is trained on it, the
 * best archs move up the predictor's gradient in embedding space and are decoded into new archs,
 * and the pool grows by them and by random archs. The result is the best arch of the last
 * evaluation. The test split is never read. A checkpoint after every epoch holds the child's
 * weights and momentum, the controller, the pool and the random stream.
 */
import * as tf from '@tensorflow/tfjs';
import { canonicalJson, Rng, type ImageSet, type Json, type SearchContext, type SearchResult, type TrickHooks } from '@naslab/core';
import { clipByGlobalNorm, crossEntropy, gatherImages, imageSetHead, loadCheckpoint, normalisationTable, normaliseWithTable, resolveStem, saveCheckpoint, selectBackend, sgdUpdate, topKCorrect, uniqueVariable } from '@naslab/engine';
import { formatNaoArch, loadNaoNetwork, parseNaoArch, sampleNaoArch, type NaoArch } from '@naslab/space-nao';
import { NaoController, pairwiseAccuracy } from './controller.js';
import { controllerSchedule, type NaoOptions } from './options.js';
import { archToSequence, randomSwap, sequenceKey, sequenceToArch } from './sequence.js';
import { SharedNaoChild } from './shared-child.js';

export interface NaoServices {
  /** The child's training augmentation (crop-flip's `augmentPixels`), or none. */
  readonly augment: () => Promise<TrickHooks['augmentPixels'] | undefined>;
}

/** `CosineAnnealingLR(T = epochs, eta_min)` stepped before each epoch: epoch e (1-based) trains at this rate, the last at `lrMin`. */
export function naoLearningRate(epoch: number, epochs: number, lrMax: number, lrMin: number): number {
  return lrMin + 0.5 * (lrMax - lrMin) * (1 + Math.cos((Math.PI * epoch) / epochs));
}

/**
 * `StepLR(step_size = period, gamma)` stepped before each epoch, as `build_imagenet`'s scheduler in
 * the code's loop: epoch e (1-based) trains at lr·γ^⌊e/period⌋ (the first epoch already decayed once).
 */
export function naoStepLearningRate(epoch: number, lr: number, gamma: number, period: number): number {
  return lr * gamma ** Math.floor(epoch / period);
}

/** `utils.sample_arch`: an index drawn ∝ `weights`, or uniformly without them. */
function sampleIndex(rng: Rng, weights: readonly number[] | null, n: number): number {
  if (!weights) return rng.int(n);
  const total = weights.reduce((a, b) => a + b, 0);
  let u = rng.uniform() * total;
  for (let i = 0; i < n; i++) {
    u -= weights[i]!;
    if (u < 0) return i;
  }
  return n - 1;
}

interface Round {
  epoch: number;
  pool: number;
  bestValidAccuracy: number;
  controllerLoss: number;
  mse: number;
  nll: number;
  /** On the EPD's held-out part of the pool (null when it has fewer than 2 archs). */
  pairwiseAccuracy: number | null;
  newArchs: number;
  stepSize: number;
  /** Mean predicted score of the moved archs before and after the step (last step size). */
  predictedBefore: number;
  predictedAfter: number;
}

export async function searchNao(ctx: SearchContext<NaoArch>, o: NaoOptions, services: NaoServices): Promise<SearchResult<NaoArch>> {
  const started = performance.now();
  const selection = await selectBackend(ctx.backends, 'auto', { threads: ctx.threads, logger: ctx.logger });
  tf.enableProdMode();
  const [net, augment, trainAll, validAll] = await Promise.all([loadNaoNetwork(), services.augment(), ctx.dataset.load('search-train'), ctx.dataset.load('search-valid')]);
  const train = imageSetHead(trainAll, o.trainSubset);
  const valid = imageSetHead(validAll, o.validSubset);
  const info = ctx.dataset.info;
  const [h, w, c] = train.shape;
  const table = normalisationTable(info.mean, info.std, c);
  const schedule = controllerSchedule(o);
  const stem = resolveStem(o.stem, [h, w, c]);
  // `build_imagenet` (224 px) decays by StepLR where `build_cifar10` anneals by cosine
  const stepSchedule = o.lrSchedule === 'step' || (o.lrSchedule === 'auto' && stem === 'imagenet');
  const learningRate = (epoch: number) => (stepSchedule ? naoStepLearningRate(epoch, o.stepLearningRate, o.stepGamma, o.stepPeriod) : naoLearningRate(epoch, o.epochs, o.lrMax, o.lrMin));
  const child = new SharedNaoChild({ layers: o.childLayers, channels: o.childChannels, classes: info.classes, inputShape: [h, w, c], rng: ctx.rng.split('child-init'), dropPathKeepProb: o.childDropPathKeepProb, stem });
  // `args.steps` = ⌈train images / batch⌉ · epochs (the code hard-codes each dataset's image count)
  const batchesPerEpoch = Math.ceil(train.count / o.batchSize);
  child.schedule.steps = batchesPerEpoch * o.epochs;
  const controller = new NaoController(ctx.rng.split('controller-init'), { embedding: o.embeddingSize, hidden: 2 * o.embeddingSize, mlpLayers: o.mlpLayers, mlpHidden: o.mlpHidden, mlpDropout: 0.1 });
  const params = child.parameters();
  const trainable = params.filter((p) => p.trainable);
  const variables = trainable.map((p) => p.variable);
  const buffers = trainable.map((p) => uniqueVariable(tf.zerosLike(p.variable), false, 'nao_momentum'));
  const fingerprint = canonicalJson({ options: o as unknown as Json, seed: ctx.seed, dataset: info.name, train: train.count, valid: valid.count });
  const searchSize = { cells: 3 * o.childLayers + 2, channels: o.childChannels, classes: info.classes, inputShape: [h, w, c] as [number, number, number] };

  let rng = ctx.rng.split('search');
  const seedRng = ctx.rng.split('seed-pool');
  let pool: NaoArch[] = Array.from({ length: o.seedArchs }, () => sampleNaoArch(seedRng, 'search'));
  let startEpoch = 1;
  let elapsed = 0;
  let queries = 0;
  const epochs: Array<Record<string, number>> = [];
  const rounds: Round[] = [];
  const saved = await loadCheckpoint(ctx.checkpointDir);
  if (saved && saved.meta.fingerprint === fingerprint) {
    tf.tidy(() => {
      for (const [i, p] of params.entries()) p.variable.assign(tf.tensor(Float32Array.from(saved.tensors.get(`child/${i}`)!.values), p.variable.shape));
      buffers.forEach((b, i) => b.assign(tf.tensor(Float32Array.from(saved.tensors.get(`momentum/${i}`)!.values), b.shape)));
    });
    controller.restore(saved.tensors);
    rng = Rng.fromState(saved.meta.rng);
    startEpoch = saved.meta.epoch + 1;
    const extra = saved.meta.extra as unknown as { pool: string[]; epochs: Array<Record<string, number>>; rounds: Round[]; seconds: number; queries: number };
    pool = extra.pool.map(parseNaoArch);
    epochs.push(...extra.epochs);
    rounds.push(...extra.rounds);
    elapsed = extra.seconds;
    queries = extra.queries;
    ctx.logger.info(`nao: resuming at epoch ${startEpoch}`);
  }
  const weightsOf = (archs: readonly NaoArch[]) => (o.samplePolicy === 'params' ? archs.map((a) => net.countNaoParameters(a, searchSize, { stem })) : null);
  let weights = weightsOf(pool);

  /** Top-1 hits of the child on `arch` over images `idx` of `set`, BN in training mode (`bn_train=True`). */
  const hitsOn = (set: ImageSet, arch: NaoArch, idx: ArrayLike<number>): number => {
    const { pixels, labels } = gatherImages(set, idx);
    const x = normaliseWithTable(pixels, table, c);
    return tf.tidy(() => topKCorrect(child.run(tf.tensor4d(x, [idx.length, h, w, c]), arch, { training: true }), tf.tensor1d(labels, 'int32'), 1).dataSync()[0]!);
  };

  const trainStep = (arch: NaoArch, idx: ArrayLike<number>, lr: number): { loss: number; correct: number } => {
    const batch = gatherImages(train, idx);
    let { pixels } = batch;
    const { labels } = batch;
    if (augment) pixels = augment({ pixels, labels, count: idx.length, shape: train.shape }, rng) ?? pixels;
    const x = normaliseWithTable(pixels, table, c);
    const out = tf.tidy(() => {
      const xs = tf.tensor4d(x, [idx.length, h, w, c]);
      const ys = tf.tensor1d(labels, 'int32');
      let hits: tf.Scalar = tf.scalar(0);
      const { value, grads } = tf.variableGrads(() => {
        const logits = child.run(xs, arch, { training: true, rng });
        hits = tf.keep(topKCorrect(logits, ys, 1));
        return crossEntropy(logits, ys, info.classes);
      }, variables);
      // the ops the arch did not use get no gradient and no update
      const clipped = clipByGlobalNorm(
        variables.map((v) => grads[v.name]),
        o.childGradClip,
      );
      clipped.forEach((g, i) => {
        if (g) sgdUpdate(variables[i]!, buffers[i]!, g, { lr, momentum: 0.9, weightDecay: o.childWeightDecay });
      });
      const result = tf.stack([value, tf.cast(hits, 'float32')]);
      hits.dispose();
      return result;
    });
    const v = out.dataSync();
    out.dispose();
    return { loss: v[0]!, correct: v[1]! };
  };

  try {
    for (let epoch = startEpoch; epoch <= o.epochs; epoch++) {
      const lr = learningRate(epoch);
      const order = rng.permutation(train.count);
      let loss = 0;
      let correct = 0;
      for (let s = 0; s < train.count; s += o.batchSize) {
        if (ctx.signal.aborted) throw ctx.signal.reason ?? new Error('search aborted');
        const idx = order.subarray(s, Math.min(train.count, s + o.batchSize));
        child.schedule.step = (epoch - 1) * batchesPerEpoch + s / o.batchSize;
        const r = trainStep(pool[sampleIndex(rng, weights, pool.length)]!, idx, lr);
        loss += r.loss * idx.length;
        correct += r.correct;
      }
      const m = { epoch, lr, trainLoss: loss / train.count, trainAccuracy: (100 * correct) / train.count, pool: pool.length };
      epochs.push(m);
      ctx.recordMetric(epoch, m);
      if (epoch % o.evalEpochs === 0) {
        // `child_valid`: each arch on its own random batch of search-valid
        const n = Math.min(o.evalBatchSize, valid.count);
        const scored = pool.map((arch, i) => ({ arch, i, accuracy: hitsOn(valid, arch, rng.permutation(valid.count).subarray(0, n)) / n }));
        queries += pool.length;
        scored.sort((a, b) => b.accuracy - a.accuracy || a.i - b.i);
        pool = scored.map((s) => s.arch);
        if (epoch === o.epochs) {
          const seconds = elapsed + (performance.now() - started) / 1000;
          return {
            architectures: [pool[0]!],
            cost: { wallSeconds: seconds, epochs: o.epochs, queries, trained: { count: queries, unit: 'children' } },
            history: {
              backend: selection.name,
              epochs,
              rounds,
              finalPool: scored.slice(0, 10).map((s) => ({ arch: formatNaoArch(s.arch), validAccuracy: 100 * s.accuracy })),
            } as unknown as Json,
          };
        }
        rounds.push(controllerRound(controller, scored, o, schedule, rng, (added) => (pool = [...pool, ...added, ...Array.from({ length: o.randomArchs }, () => sampleNaoArch(rng, 'search'))]), epoch));
        weights = weightsOf(pool);
      }
      const seconds = elapsed + (performance.now() - started) / 1000;
      const tensors = [
        ...params.map((p, i) => ({ name: `child/${i}`, shape: p.variable.shape, values: p.variable.dataSync() as Float32Array })),
        ...buffers.map((b, i) => ({ name: `momentum/${i}`, shape: b.shape, values: b.dataSync() as Float32Array })),
        ...controller.state(),
      ];
      const extra = { pool: pool.map(formatNaoArch), epochs, rounds, seconds, queries };
      await saveCheckpoint(ctx.checkpointDir, { epoch, metrics: [], rng: rng.state(), backend: selection.name, fingerprint, extra: extra as unknown as Json }, tensors);
    }
    throw new Error('nao: the search ended without an evaluation'); // unreachable: the options make the last epoch an evaluation
  } finally {
    child.dispose();
    controller.dispose();
    for (const b of buffers) b.dispose();
  }
}

/**
 * One controller round: the EPD trained on the sorted pool, then new archs from the best ones
 * moved in embedding space (`train_search.py` l.566-649).
 */
function controllerRound(
  controller: NaoController,
  scored: ReadonlyArray<{ arch: NaoArch; accuracy: number }>,
  o: NaoOptions,
  schedule: ReturnType<typeof controllerSchedule>,
  rng: Rng,
  grow: (added: NaoArch[]) => void,
  epoch: number,
): Round {
  const seqs = scored.map((s) => archToSequence(s.arch));
  const perf = scored.map((s) => s.accuracy);
  const [min, max] = [Math.min(...perf), Math.max(...perf)];
  // (p − min)/(max − min); a pool scored all alike (the code divides by zero) gets ½ everywhere
  const targets = perf.map((p) => (max > min ? (p - min) / (max - min) : 0.5));
  let data = seqs.map((seq, i) => ({ seq, target: targets[i]! }));
  let trainSet = data;
  let validSet = data;
  if (o.expand !== null) {
    const shuffled = Array.from(rng.permutation(data.length), (i) => data[i]!);
    data = shuffled;
    const split = Math.floor(data.length * 0.9);
    trainSet = data.slice(0, split);
    validSet = data.slice(split);
    const base = trainSet;
    for (let k = 1; k < o.expand; k++) trainSet = [...trainSet, ...base.map((d) => ({ seq: randomSwap(d.seq, rng), target: d.target }))];
  }
  const fit = controller.train(
    trainSet,
    { tradeOff: schedule.tradeOff, learningRate: o.controllerLearningRate, weightDecay: o.controllerWeightDecay, gradClip: 5, batchSize: o.controllerBatchSize, epochs: o.controllerEpochs },
    rng,
    o.expand === null ? randomSwap : undefined,
  );
  const pa = validSet.length > 1 ? pairwiseAccuracy(validSet.map((d) => d.target), controller.predict(validSet.map((d) => d.seq))) : null;

  const known = new Set(seqs.map(sequenceKey));
  const top = seqs.slice(0, o.topArchs);
  const added: number[][] = [];
  let step = 0;
  let moved = { before: [0], after: [0] };
  const collect = (size: number) => {
    const r = controller.move(top, size);
    moved = r;
    for (const seq of r.seqs) {
      const key = sequenceKey(seq);
      if (!known.has(key)) {
        known.add(key);
        added.push(seq);
      }
      if (added.length >= o.newArchs) break;
    }
  };
  if (schedule.step.kind === 'fixed') {
    step = schedule.step.size;
    collect(step);
  } else {
    while (added.length < o.newArchs) {
      step += 1;
      collect(step);
      if (step > schedule.step.max) break;
    }
  }
  grow(added.map(sequenceToArch));
  const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    epoch,
    pool: scored.length,
    bestValidAccuracy: 100 * scored[0]!.accuracy,
    controllerLoss: fit.loss,
    mse: fit.mse,
    nll: fit.nll,
    pairwiseAccuracy: pa,
    newArchs: added.length,
    stepSize: step,
    predictedBefore: mean(moved.before),
    predictedAfter: mean(moved.after),
  };
}
