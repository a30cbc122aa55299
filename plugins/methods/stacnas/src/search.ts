/**
 * The StacNAS search (susan0199/StacNAS `search.py`, `run_all.py`): stage 1 on a supernet of
 * `stageCells[0]` cells whose edges mix the 5 group representatives; stage 2 on a fresh supernet
 * of `stageCells[1]` cells (new weights and α) whose every edge mixes the ops of the group its
 * stage-1 α chose; all 14 edges stay. One-level optimisation per step: one cross-entropy on the
 * training batch, one backward pass, then the SGD weight step (gradients clipped) and the Adam α
 * step on the same gradients. A checkpoint after every epoch.
 */
import * as tf from '@tensorflow/tfjs';
import { canonicalJson, Rng, type ImageSet, type Json, type SearchContext, type SearchResult } from '@naslab/core';
import { clipByGlobalNorm, cosineLearningRate, crossEntropy, loadCheckpoint, saveCheckpoint, topKCorrect } from '@naslab/engine';
import {
  DARTS_CONCAT,
  DARTS_NODES,
  DARTS_OPS,
  edgesOfNode,
  formatGenotype,
  loadDartsSupernet,
  SUPERNET_EDGES,
  supernetTrainingSettings,
  type CellName,
  type Genotype,
  type PixelAugment,
  type SupernetTraining,
} from '@naslab/space-darts';
import { candidatesOf, chosenRepresentative, deriveStacnasCell, groupOf, stageOneCandidates } from './groups.js';
import type { StacnasOptions } from './index.js';

const CELLS: readonly CellName[] = ['normal', 'reduce'];
const round = (rows: number[][]) => rows.map((r) => r.map((v) => Math.round(v * 1e6) / 1e6));

type Net = InstanceType<Awaited<ReturnType<typeof loadDartsSupernet>>['DartsSupernet']>;
type Trainer = InstanceType<SupernetTraining['BilevelTrainer']>;

function concatSets(a: ImageSet, b: ImageSet): ImageSet {
  const pixels = new Uint8Array(a.pixels.length + b.pixels.length);
  pixels.set(a.pixels, 0);
  pixels.set(b.pixels, a.pixels.length);
  const labels = new Uint8Array(a.count + b.count);
  labels.set(a.labels, 0);
  labels.set(b.labels, a.count);
  return { pixels, labels, count: a.count + b.count, shape: a.shape };
}

/** One one-level step: ∇ of the training loss w.r.t. weights and α at once; SGD on the weights, Adam on α. */
function oneLevelStep(net: Net, trainer: Trainer, x: tf.Tensor4D, y: tf.Tensor1D, classes: number, lr: number, clip: number | null): { loss: number; correct: number } {
  const weights = net.trainableWeights();
  const alphas = net.trainableAlphas();
  let hits: tf.Scalar | undefined;
  const out = tf.tidy(() => {
    const { value, grads } = tf.variableGrads(
      () => {
        const logits = net.run(x, { training: true }).logits;
        hits = tf.keep(topKCorrect(logits, y, 1));
        return crossEntropy(logits, y, classes);
      },
      [...weights, ...alphas].map((p) => p.variable),
    );
    const names = weights.map((p) => p.variable.name);
    const clipped = clipByGlobalNorm(
      names.map((n) => grads[n]),
      clip,
    );
    trainer.sgd.step(Object.fromEntries(names.map((n, i) => [n, clipped[i]])), lr);
    trainer.adam.step(Object.fromEntries(alphas.map((p) => [p.variable.name, grads[p.variable.name]])));
    return value;
  });
  const loss = out.dataSync()[0]!;
  const correct = hits!.dataSync()[0]!;
  tf.dispose([out, hits!]);
  return { loss, correct };
}

export interface StacnasEpoch {
  readonly stage: number;
  readonly epoch: number;
  readonly lr: number;
  readonly trainLoss: number;
  readonly trainAccuracy: number;
  readonly seconds: number;
}

interface Progress {
  stage: number;
  epoch: number;
  /** Stage-2 candidates per edge (set after stage 1). */
  groups: Record<CellName, string[][]> | null;
  stageOneAlphas: Record<CellName, number[][]> | null;
  epochs: StacnasEpoch[];
  adamSteps: number;
  searchSeconds: number;
  supernetParameters: number[];
}

export async function searchStacnas(ctx: SearchContext<Genotype>, o: StacnasOptions, training: SupernetTraining, augment?: PixelAugment): Promise<SearchResult<Genotype>> {
  const backend = await training.activateBackend(ctx as SearchContext<unknown>, o.backendPreference);
  const [loaded, { DartsSupernet }] = await Promise.all([training.loadSearchData(ctx.dataset, o), loadDartsSupernet()]);
  const data = o.data === 'all' ? { ...loaded, train: concatSets(loaded.train, loaded.valid) } : loaded;
  const fingerprint = canonicalJson({ method: 'stacnas', options: o as unknown as Json, dataset: ctx.dataset.info.name, sizes: ctx.dataset.info.sizes as unknown as Json, seed: ctx.seed });
  let progress: Progress = { stage: 0, epoch: 0, groups: null, stageOneAlphas: null, epochs: [], adamSteps: 0, searchSeconds: 0, supernetParameters: [] };
  let resume: { tensors: Map<string, { values: Float32Array }>; rng: Rng } | null = null;
  const saved = await loadCheckpoint(ctx.checkpointDir);
  if (saved && saved.meta.fingerprint === fingerprint) {
    progress = saved.meta.extra as unknown as Progress;
    resume = { tensors: saved.tensors, rng: Rng.fromState(saved.meta.rng) };
    ctx.logger.info(`stacnas: resuming stage ${progress.stage + 1}, epoch ${progress.epoch} from ${ctx.checkpointDir}`);
  } else if (saved) {
    ctx.logger.warn(`stacnas: checkpoint in ${ctx.checkpointDir} belongs to another search; starting afresh`);
  }
  const clip = o.gradClip;
  for (let stage = progress.stage; stage < 2; stage++) {
    const cells = o.stageCells[stage]!;
    const epochs = o.stageEpochs[stage]!;
    const settings = supernetTrainingSettings(o, { epochs, cells });
    const net: Net = new DartsSupernet({ channels: o.channels, cells, classes: data.classes, inputShape: data.shape, rng: ctx.rng.split(`stage-${stage}`) });
    const candidates: Record<CellName, boolean[][]> = {
      normal: Array.from({ length: SUPERNET_EDGES }, (_, e) => (stage === 0 ? stageOneCandidates() : candidatesOf(progress.groups!.normal[e]! as never))),
      reduce: Array.from({ length: SUPERNET_EDGES }, (_, e) => (stage === 0 ? stageOneCandidates() : candidatesOf(progress.groups!.reduce[e]! as never))),
    };
    for (const c of CELLS) for (let e = 0; e < SUPERNET_EDGES; e++) net.setCandidates(c, e, candidates[c][e]!);
    const trainer = new training.BilevelTrainer(net, settings, data.classes);
    try {
      let rng = ctx.rng.split(`search-${stage}`);
      if (resume) {
        trainer.restore(resume.tensors, progress.adamSteps);
        rng = resume.rng;
        resume = null;
      }
      if (progress.supernetParameters.length === stage) {
        progress.supernetParameters.push(
          net.weightParameters().reduce((s, p) => {
            const m = /^cells\.(\d+)\._ops\.(\d+)\._ops\.(\d+)\./.exec(p.path);
            if (m && !candidates[net.cells[Number(m[1])]!.reduction ? 'reduce' : 'normal'][Number(m[2])]![Number(m[3])]) return s;
            return s + p.variable.size;
          }, 0),
        );
      }
      const augmentHook = o.augment === 'crop-flip' ? augment : undefined;
      for (let epoch = progress.epoch; epoch < epochs; epoch++) {
        const started = performance.now();
        const lr = cosineLearningRate(epoch, epochs, o.learningRate, o.learningRateMin);
        const order = rng.permutation(data.train.count);
        let lossSum = 0;
        let correct = 0;
        for (let start = 0; start < data.train.count; start += o.batchSize) {
          if (ctx.signal.aborted) throw ctx.signal.reason ?? new Error('search aborted');
          const b = training.makeBatch(data, data.train, order.subarray(start, Math.min(data.train.count, start + o.batchSize)), augmentHook, rng);
          const t = training.batchTensors(data, b);
          try {
            const r = oneLevelStep(net, trainer, t.x, t.y, data.classes, lr, clip);
            lossSum += r.loss * b.n;
            correct += r.correct;
          } finally {
            tf.dispose([t.x, t.y]);
          }
        }
        const seconds = (performance.now() - started) / 1000;
        progress.searchSeconds += seconds;
        const record: StacnasEpoch = { stage, epoch, lr, trainLoss: lossSum / data.train.count, trainAccuracy: (100 * correct) / data.train.count, seconds };
        progress.epochs.push(record);
        progress.epoch = epoch + 1;
        progress.adamSteps = trainer.adam.stepCount;
        await saveCheckpoint(
          ctx.checkpointDir,
          { epoch: progress.epochs.length, metrics: [], rng: rng.state(), backend, fingerprint, extra: progress as unknown as Json },
          await trainer.state(),
        );
        ctx.recordMetric((stage === 0 ? 0 : o.stageEpochs[0]) + epoch, { lr, trainLoss: record.trainLoss, trainAccuracy: record.trainAccuracy, seconds });
        ctx.logger.info(`stacnas stage ${stage + 1}/2 (${cells} cells) epoch ${epoch + 1}/${epochs}: train ${record.trainAccuracy.toFixed(2)}%, ${seconds.toFixed(1)} s`);
      }
      // raw α (the reference compares raw α, not softmax)
      const raw: Record<CellName, number[][]> = { normal: net.alphas.normal.arraySync() as number[][], reduce: net.alphas.reduce.arraySync() as number[][] };
      if (stage === 0) {
        progress.stageOneAlphas = { normal: round(raw.normal), reduce: round(raw.reduce) };
        progress.groups = { normal: raw.normal.map((a) => [...groupOf(chosenRepresentative(a))]), reduce: raw.reduce.map((a) => [...groupOf(chosenRepresentative(a))]) };
        progress.stage = 1;
        progress.epoch = 0;
        progress.adamSteps = 0;
        continue;
      }
      const cell = (c: CellName) => deriveStacnasCell(raw[c], candidates[c], edgesOfNode, DARTS_NODES);
      const genotype: Genotype = { normal: cell('normal'), normalConcat: [...DARTS_CONCAT], reduce: cell('reduce'), reduceConcat: [...DARTS_CONCAT] };
      return {
        architectures: [genotype],
        cost: { wallSeconds: progress.searchSeconds, epochs: o.stageEpochs[0] + o.stageEpochs[1] },
        history: {
          backend,
          ops: [...DARTS_OPS],
          supernetParameters: progress.supernetParameters,
          stageOneAlphas: progress.stageOneAlphas as unknown as Json,
          groups: progress.groups as unknown as Json,
          stageTwoAlphas: { normal: round(raw.normal), reduce: round(raw.reduce) },
          epochs: progress.epochs as unknown as Json,
          genotype: formatGenotype(genotype),
        },
      };
    } finally {
      trainer.dispose();
      net.dispose();
    }
  }
  throw new Error('stacnas: unreachable');
}
