/**
 * The ENAS micro search (`ENASTF/src/cifar10/main.py`, `train_every=1`): each epoch trains the
 * shared child on `search-train`, one controller sample per minibatch, then runs the controller
 * steps (each averaging `aggregate` samples rewarded by their accuracy on one random
 * `search-valid` minibatch); finally samples arcs and keeps the best on `search-valid`. The test
 * split is never read. Checkpoint after every epoch: child weights and momentum, controller and
 * Adam state, baseline, random stream.
 */
import * as tf from '@tensorflow/tfjs';
import { canonicalJson, Rng, type Json, type SearchContext, type SearchResult, type TrickHooks } from '@naslab/core';
import { gatherImages, imageSetHead, loadCheckpoint, normalisationTable, normaliseWithTable, saveCheckpoint, selectBackend, topKCorrect, uniqueVariable, type ParameterInfo } from '@naslab/engine';
import { formatEnasArc, loadEnasNetwork, type EnasArc } from '@naslab/space-enas-micro';
import { ENAS_CODE_CONTROLLER, ENAS_PAPER_CONTROLLER, EnasController } from './controller.js';
import type { EnasOptions } from './options.js';
import { createNesterovStep } from './child-optimiser.js';
import { ENAS_AUX_HEAD, SharedEnasChild } from './shared-child.js';

/** SGDR (Loshchilov & Hutter) per epoch, as the TF child: cycles of T0, T0·Tmul, …; constant within an epoch. */
export function sgdrLearningRate(epoch: number, lrMax: number, lrMin: number, t0: number, tMul: number): number {
  let start = 0;
  let length = t0;
  while (epoch >= start + length) {
    start += length;
    length *= tMul;
  }
  return lrMin + 0.5 * (lrMax - lrMin) * (1 + Math.cos((Math.PI * (epoch - start)) / length));
}

export interface EnasServices {
  /** The child's training augmentation (crop-flip's `augmentPixels`), or none. */
  readonly augment: () => Promise<TrickHooks['augmentPixels'] | undefined>;
}

export async function searchEnas(ctx: SearchContext<EnasArc>, o: EnasOptions, services: EnasServices): Promise<SearchResult<EnasArc>> {
  const started = performance.now();
  const selection = await selectBackend(ctx.backends, 'auto', { threads: ctx.threads, logger: ctx.logger });
  tf.enableProdMode();
  const [net, augment, trainAll, validAll] = await Promise.all([loadEnasNetwork(), services.augment(), ctx.dataset.load('search-train'), ctx.dataset.load('search-valid')]);
  const train = imageSetHead(trainAll, o.trainSubset);
  const valid = imageSetHead(validAll, o.validSubset);
  const info = ctx.dataset.info;
  const [h, w, c] = train.shape;
  const table = normalisationTable(info.mean, info.std, c);
  const child = new SharedEnasChild({
    filters: o.childFilters,
    cells: o.childCells,
    classes: info.classes,
    inputShape: [h, w, c],
    rng: ctx.rng.split('child-init'),
    net,
    dropPathKeepProb: o.childDropPathKeepProb,
    keepProb: o.childKeepProb,
    auxHead: o.childAuxHead !== 'none',
  });
  const controller = new EnasController(ctx.rng.split('controller-init'), {
    ...(o.controller === 'code' ? ENAS_CODE_CONTROLLER : ENAS_PAPER_CONTROLLER),
    ...(o.controllerLearningRate !== undefined ? { learningRate: o.controllerLearningRate } : {}),
    ...(o.controllerLstmSize !== undefined ? { lstmSize: o.controllerLstmSize } : {}),
    ...(o.entropyWeight !== undefined ? { entropyWeight: o.entropyWeight } : {}),
  });
  const params: ParameterInfo[] = child.parameters();
  // The code optimises the variables without "aux_head" in their name: `released-code` leaves the head at its init.
  const trainable = params.filter((p) => p.trainable && !(p.auxiliary && o.childAuxHead === 'released-code'));
  const buffers = trainable.map((p) => uniqueVariable(tf.zerosLike(p.variable), false, 'momentum'));
  const step = createNesterovStep({
    network: child,
    trainable,
    buffers,
    classes: info.classes,
    momentum: 0.9,
    weightDecay: o.childWeightDecay,
    // the released TF child computes clipped gradients and applies the unclipped ones
    gradClip: o.childGradClip === 'released-code' ? 'none' : o.childGradClip,
    gradBound: o.childGradBound,
    ...(child.hasAuxHead ? { aux: { head: ENAS_AUX_HEAD, weight: o.childAuxWeight } } : {}),
    inputShape: [h, w, c],
  });
  const fingerprint = canonicalJson({ options: o as unknown as Json, seed: ctx.seed, dataset: info.name, train: train.count, valid: valid.count });
  let rng = ctx.rng.split('search');
  let startEpoch = 0;
  let elapsed = 0;
  const history: Array<Record<string, number>> = [];
  const saved = await loadCheckpoint(ctx.checkpointDir);
  if (saved && saved.meta.fingerprint === fingerprint) {
    tf.tidy(() => {
      for (const [i, p] of params.entries()) p.variable.assign(tf.tensor(Float32Array.from(saved.tensors.get(`child/${i}`)!.values), p.variable.shape));
      trainable.forEach((_, i) => buffers[i]!.assign(tf.tensor(Float32Array.from(saved.tensors.get(`momentum/${i}`)!.values), buffers[i]!.shape)));
    });
    await controller.restore(saved.tensors);
    rng = Rng.fromState(saved.meta.rng);
    startEpoch = saved.meta.epoch;
    const extra = saved.meta.extra as { history: Array<Record<string, number>>; seconds: number; baseline: number };
    controller.baseline = extra.baseline;
    history.push(...extra.history);
    elapsed = extra.seconds;
    ctx.logger.info(`enas: resuming at epoch ${startEpoch}`);
  }

  /** Accuracy (0–1) of the child on `arc` over one batch of `search-valid`, BN in training mode (as the reward). */
  const accuracyOn = (arc: EnasArc, idx: ArrayLike<number>): number => {
    child.arc = arc;
    const { pixels, labels } = gatherImages(valid, idx);
    const x = normaliseWithTable(pixels, table, c);
    const hits = tf.tidy(() => topKCorrect(child.run(tf.tensor4d(x, [idx.length, h, w, c]), { training: true }).logits, tf.tensor1d(labels, 'int32'), 1).dataSync()[0]!);
    return hits / idx.length;
  };
  const validBatch = (r: Rng) => {
    const n = Math.min(o.batchSize, valid.count);
    return r.permutation(valid.count).subarray(0, n);
  };

  const batchesPerEpoch = Math.ceil(train.count / o.batchSize);
  try {
    for (let epoch = startEpoch; epoch < o.epochs; epoch++) {
      const lr = sgdrLearningRate(epoch, o.lrMax, o.lrMin, o.t0, o.tMul);
      const order = rng.permutation(train.count);
      let loss = 0;
      let correct = 0;
      for (let s = 0; s < train.count; s += o.batchSize) {
        if (ctx.signal.aborted) throw ctx.signal.reason ?? new Error('search aborted');
        const idx = order.subarray(s, Math.min(train.count, s + o.batchSize));
        child.arc = controller.sample(rng).arc;
        child.stepRatio = Math.min(1, (epoch * batchesPerEpoch + s / o.batchSize + 1) / (o.epochs * batchesPerEpoch));
        const batch = gatherImages(train, idx);
        let { pixels } = batch;
        const { labels } = batch;
        if (augment) pixels = augment({ pixels, labels, count: idx.length, shape: train.shape }, rng) ?? pixels;
        const r = step(normaliseWithTable(pixels, table, c), labels, idx.length, lr, rng);
        loss += r.loss * idx.length;
        correct += r.correct;
      }
      let lastReward = 0;
      for (let t = 0; t < o.controllerSteps; t++) {
        const samples = Array.from({ length: o.aggregate }, () => {
          const arc = controller.sample(rng).arc;
          return { arc, accuracy: accuracyOn(arc, validBatch(rng)) };
        });
        lastReward = controller.update(samples).rewards.at(-1) ?? 0;
      }
      const m = { epoch, lr, trainLoss: loss / train.count, trainAccuracy: (100 * correct) / train.count, baseline: controller.baseline, reward: lastReward };
      history.push(m);
      ctx.recordMetric(epoch, m);
      const seconds = elapsed + (performance.now() - started) / 1000;
      const tensors = [
        ...params.map((p, i) => ({ name: `child/${i}`, shape: p.variable.shape, values: p.variable.dataSync() as Float32Array })),
        ...buffers.map((b, i) => ({ name: `momentum/${i}`, shape: b.shape, values: b.dataSync() as Float32Array })),
        ...(await controller.state()),
      ];
      await saveCheckpoint(ctx.checkpointDir, { epoch: epoch + 1, metrics: [], rng: rng.state(), backend: selection.name, fingerprint, extra: { history, seconds, baseline: controller.baseline } as unknown as Json }, tensors);
    }
    // derive: sample arcs, keep the best on the whole of search-valid (BN in training mode, batch by batch)
    const all = Array.from({ length: valid.count }, (_, i) => i);
    const derived = Array.from({ length: o.finalSamples }, () => controller.sample(rng).arc).map((arc) => {
      let hits = 0;
      for (let s = 0; s < all.length; s += o.batchSize) {
        const idx = all.slice(s, s + o.batchSize);
        hits += accuracyOn(arc, idx) * idx.length;
      }
      return { arc, accuracy: (100 * hits) / valid.count };
    });
    derived.sort((a, b) => b.accuracy - a.accuracy);
    const seconds = elapsed + (performance.now() - started) / 1000;
    // Children scored with the shared weights: the controller's reward samples, then the derivation's.
    const sampled = o.epochs * o.controllerSteps * o.aggregate + o.finalSamples;
    return {
      architectures: [derived[0]!.arc],
      cost: { wallSeconds: seconds, epochs: o.epochs, queries: sampled, trained: { count: sampled, unit: 'children' } },
      history: {
        backend: selection.name,
        epochs: history,
        derived: derived.map((d) => ({ arc: formatEnasArc(d.arc), validAccuracy: d.accuracy })),
      } as unknown as Json,
    };
  } finally {
    child.dispose();
    controller.dispose();
    for (const b of buffers) b.dispose();
  }
}
