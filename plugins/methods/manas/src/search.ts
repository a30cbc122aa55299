/**
 * MANAS' Algorithm 1 (arXiv 1909.01051 §4.1) on the DARTS supernet: per step every agent (one
 * per edge of the normal and of the reduction cell: 28) samples its op; the supernet runs only
 * those ops (each edge projected to its op); one SGD step on a `search-train` batch updates the
 * chosen ops' weights; the validation loss of the same architecture on a random `search-valid`
 * batch, with the new weights, updates every agent. A checkpoint after every epoch.
 */
import * as tf from '@tensorflow/tfjs';
import { canonicalJson, Rng, type Json, type SearchContext, type SearchResult } from '@naslab/core';
import { cosineLearningRate, crossEntropy, loadCheckpoint, saveCheckpoint } from '@naslab/engine';
import {
  DARTS_OPS,
  deriveGenotype,
  formatGenotype,
  loadDartsSupernet,
  SUPERNET_EDGES,
  supernetTrainingSettings,
  type CellName,
  type Genotype,
  type PixelAugment,
  type SupernetTraining,
} from '@naslab/space-darts';
import { Exp3Agents, LeastSquaresCredit, sampleIndex, temperatureAt, type Exp3State, type LeastSquaresState } from './agents.js';
import type { ManasOptions } from './index.js';

/** Agents: the 14 edges of the normal cell, then the 14 of the reduction cell. */
export const MANAS_AGENTS = 2 * SUPERNET_EDGES;
const K = DARTS_OPS.length;
const round = (rows: number[][]) => rows.map((r) => r.map((v) => Math.round(v * 1e6) / 1e6));

export interface ManasEpoch {
  readonly epoch: number;
  readonly lr: number;
  readonly trainLoss: number;
  readonly trainAccuracy: number;
  /** Mean validation loss of the sampled architectures. */
  readonly sampledValidLoss: number;
  /** Accuracy on `search-valid` of the architecture of every agent's most probable op. */
  readonly validAccuracy: number;
  readonly temperature: number | null;
  /** Mean entropy of the agents' policies (nats; uniform over 8 ops: 2.08). */
  readonly policyEntropy: number;
  readonly seconds: number;
}

interface Progress {
  epoch: number;
  step: number;
  agents: { exp3?: Exp3State; ls?: LeastSquaresState };
  epochs: ManasEpoch[];
  searchSeconds: number;
}

/** Split the 28 agents' rows into the two cell types. */
const byCell = (rows: number[][]): Record<CellName, number[][]> => ({ normal: rows.slice(0, SUPERNET_EDGES), reduce: rows.slice(SUPERNET_EDGES) });
const entropy = (p: readonly number[]) => -p.reduce((s, v) => s + (v > 0 ? v * Math.log(v) : 0), 0);
const argmax = (p: readonly number[]) => p.reduce((b, v, k) => (v > p[b]! ? k : b), 0);

export async function searchManas(ctx: SearchContext<Genotype>, o: ManasOptions, training: SupernetTraining, augment?: PixelAugment): Promise<SearchResult<Genotype>> {
  const backend = await training.activateBackend(ctx as SearchContext<unknown>, o.backendPreference);
  const [data, { DartsSupernet }] = await Promise.all([training.loadSearchData(ctx.dataset, o), loadDartsSupernet()]);
  const settings = supernetTrainingSettings(o, { epochs: o.epochs, cells: o.cells });
  const net = new DartsSupernet({ channels: o.channels, cells: o.cells, classes: data.classes, inputShape: data.shape, rng: ctx.rng.split('supernet-init') });
  net.freeze({ alphas: true }); // no α: the agents choose the ops
  const trainer = new training.BilevelTrainer(net, settings, data.classes, o.augment === 'crop-flip' ? augment : undefined);
  try {
    const fingerprint = canonicalJson({ method: 'manas', options: o as unknown as Json, dataset: ctx.dataset.info.name, sizes: ctx.dataset.info.sizes as unknown as Json, seed: ctx.seed });
    let progress: Progress = { epoch: 0, step: 0, agents: {}, epochs: [], searchSeconds: 0 };
    let rng = ctx.rng.split('manas');
    const saved = await loadCheckpoint(ctx.checkpointDir);
    if (saved && saved.meta.fingerprint === fingerprint) {
      progress = saved.meta.extra as unknown as Progress;
      trainer.restore(saved.tensors, 0);
      rng = Rng.fromState(saved.meta.rng);
      ctx.logger.info(`manas: resuming at epoch ${progress.epoch} from ${ctx.checkpointDir}`);
    } else if (saved) {
      ctx.logger.warn(`manas: checkpoint in ${ctx.checkpointDir} belongs to another search; starting afresh`);
    }
    const exp3 = new Exp3Agents(MANAS_AGENTS, K, progress.agents.exp3);
    const ls = new LeastSquaresCredit(MANAS_AGENTS, K, o.lsRidge, progress.agents.ls);
    const stepsPerEpoch = Math.ceil(data.train.count / o.batchSize);
    const totalSteps = stepsPerEpoch * o.epochs;
    const policies = (step: number) => (o.variant === 'exp3' ? exp3.policies(temperatureAt(step, totalSteps, o), o.gamma) : ls.policies());
    const play = (actions: readonly number[]) => {
      actions.forEach((a, i) => {
        net.projectOp(i < SUPERNET_EDGES ? 'normal' : 'reduce', i % SUPERNET_EDGES, a);
      });
    };

    for (let epoch = progress.epoch; epoch < o.epochs; epoch++) {
      const started = performance.now();
      const lr = cosineLearningRate(epoch, o.epochs, o.learningRate, o.learningRateMin);
      const order = rng.permutation(data.train.count);
      let lossSum = 0;
      let correct = 0;
      let validSum = 0;
      let steps = 0;
      for (let start = 0; start < data.train.count; start += o.batchSize) {
        if (ctx.signal.aborted) throw ctx.signal.reason ?? new Error('search aborted');
        const pi = policies(progress.step);
        const actions = pi.map((p) => sampleIndex(p, rng));
        play(actions);
        const t = training.batchTensors(data, training.makeBatch(data, data.train, order.subarray(start, Math.min(data.train.count, start + o.batchSize)), trainer.augment, rng));
        const v = training.batchTensors(data, training.makeBatch(data, data.valid, training.randomSubset(rng, data.valid.count, o.batchSize), trainer.augment, rng));
        try {
          // (b) the chosen ops' weights; α are frozen, so this is the weight step alone
          const r = trainer.step(t, t, lr);
          lossSum += r.loss * r.n;
          correct += r.correct;
          // (c) validation loss of the same architecture with the new weights
          const lv = tf.tidy(() => crossEntropy(net.run(v.x, { training: true }).logits as tf.Tensor2D, v.y, data.classes));
          const loss = lv.dataSync()[0]!;
          lv.dispose();
          validSum += loss;
          // (d) every agent
          if (o.variant === 'exp3') exp3.update(actions, pi, o.rewardBaseline - loss);
          else {
            ls.add(actions, loss);
            ls.solve();
          }
        } finally {
          tf.dispose([t.x, t.y, v.x, v.y]);
        }
        progress.step++;
        steps++;
      }
      const pi = policies(progress.step);
      play(pi.map(argmax));
      const valid = training.evaluateSupernet(net, data, data.valid, o.batchSize);
      const seconds = (performance.now() - started) / 1000;
      progress.searchSeconds += seconds;
      const record: ManasEpoch = {
        epoch,
        lr,
        trainLoss: lossSum / data.train.count,
        trainAccuracy: (100 * correct) / data.train.count,
        sampledValidLoss: validSum / steps,
        validAccuracy: valid.accuracy,
        temperature: o.variant === 'exp3' ? temperatureAt(progress.step, totalSteps, o) : null,
        policyEntropy: pi.reduce((s, p) => s + entropy(p), 0) / pi.length,
        seconds,
      };
      progress.epochs.push(record);
      progress.epoch = epoch + 1;
      progress.agents = o.variant === 'exp3' ? { exp3: exp3.state } : { ls: ls.state };
      await saveCheckpoint(
        ctx.checkpointDir,
        { epoch: epoch + 1, metrics: [], rng: rng.state(), backend, fingerprint, extra: progress as unknown as Json },
        await trainer.state(),
      );
      ctx.recordMetric(epoch, { lr, trainLoss: record.trainLoss, trainAccuracy: record.trainAccuracy, validAccuracy: record.validAccuracy, seconds });
      ctx.logger.info(`manas (${o.variant}) epoch ${epoch + 1}/${o.epochs}: train ${record.trainAccuracy.toFixed(2)}%, valid ${valid.accuracy.toFixed(2)}%, ${seconds.toFixed(1)} s`);
    }
    // Recommendation: the DARTS rule on the policies (per edge its most probable op but `none`,
    // per node the 2 edges whose best such op is most probable).
    const finalPolicies = byCell(policies(progress.step));
    const genotype = deriveGenotype(finalPolicies);
    const parameters = net.weightParameters().reduce((s, p) => s + p.variable.size, 0);
    return {
      architectures: [genotype],
      cost: { wallSeconds: progress.searchSeconds, epochs: o.epochs },
      history: {
        backend,
        variant: o.variant,
        steps: progress.step,
        supernetParameters: parameters,
        ops: [...DARTS_OPS],
        policies: { normal: round(finalPolicies.normal), reduce: round(finalPolicies.reduce) },
        epochs: progress.epochs as unknown as Json,
        genotype: formatGenotype(genotype),
      },
    };
  } finally {
    trainer.dispose();
    net.dispose();
  }
}
