/**
 * The P-DARTS search loop (`PDARTS/train_search.py`, `main()` and `train()`): per stage a fresh
 * DARTS supernet of that stage's depth over the ops still switched on (fresh weights and α), the
 * first `archFreeEpochs` epochs on the weights only, then per step one first-order α step on a
 * `search-valid` batch and one weight step on a `search-train` batch; skip-connect dropout per
 * stage; after the stage the weakest ops of every edge are switched off. A checkpoint is written
 * after every epoch: a killed search resumes in its stage and epoch.
 */
import { canonicalJson, Rng, type Json, type SearchContext, type SearchResult } from '@naslab/core';
import { cosineLearningRate, loadCheckpoint, saveCheckpoint } from '@naslab/engine';
import {
  DARTS_OPS,
  formatGenotype,
  loadDartsSupernet,
  SUPERNET_EDGES,
  supernetTrainingSettings,
  type CellName,
  type Genotype,
  type PixelAugment,
  type SupernetTraining,
} from '@naslab/space-darts';
import type { PdartsOptions } from './index.js';
import { activeOps, allSwitches, dropsPerStage, finalCell, genotypeOf, pruneSwitches, type Switches } from './pruning.js';
import { skipDropoutAt } from './schedule.js';

const CELLS: readonly CellName[] = ['normal', 'reduce'];
const round = (rows: number[][]) => rows.map((r) => r.map((v) => Math.round(v * 1e6) / 1e6));

export interface StageEpoch {
  readonly stage: number;
  readonly epoch: number;
  readonly lr: number;
  readonly skipDropout: number;
  readonly trainArch: boolean;
  readonly trainLoss: number;
  readonly trainAccuracy: number;
  readonly validAccuracy: number | null;
  readonly seconds: number;
}

export interface StageRecord {
  readonly stage: number;
  readonly cells: number;
  /** Weights of the ops the stage computes (what the reference's "param size" counts). */
  readonly supernetParameters: number;
  /** Ops per edge during the stage. */
  readonly opsPerEdge: number;
  /** softmax(α) over each edge's ops at the end of the stage, 8-wide (0 for ops switched off). */
  readonly probabilities: Record<CellName, number[][]>;
  /** The ops each edge keeps after the stage. */
  readonly kept: Record<CellName, string[][]>;
  readonly seconds: number;
}

interface Progress {
  stage: number;
  /** Epochs done in `stage`. */
  epoch: number;
  switches: Record<CellName, Switches>;
  /** The last stage's switches before its pruning (`switches_*_2`). */
  lastStageSwitches: Record<CellName, Switches> | null;
  epochs: StageEpoch[];
  stages: StageRecord[];
  adamSteps: number;
  searchSeconds: number;
}

type Net = InstanceType<Awaited<ReturnType<typeof loadDartsSupernet>>['DartsSupernet']>;

/** Weights of the ops switched on (and of stem, preprocessing, classifier). */
function activeParameterCount(net: Net, switches: Record<CellName, Switches>): number {
  let n = 0;
  for (const p of net.weightParameters()) {
    const m = /^cells\.(\d+)\._ops\.(\d+)\._ops\.(\d+)\./.exec(p.path);
    if (m) {
      const cell = net.cells[Number(m[1])]!;
      if (!switches[cell.reduction ? 'reduce' : 'normal'][Number(m[2])]![Number(m[3])]) continue;
    }
    n += p.variable.size;
  }
  return n;
}

const opNames = (switches: Switches) => switches.map((row) => activeOps(row).map((k) => DARTS_OPS[k]!));

export async function searchPdarts(
  ctx: SearchContext<Genotype>,
  o: PdartsOptions,
  training: SupernetTraining,
  augment?: PixelAugment,
): Promise<SearchResult<Genotype>> {
  const backend = await training.activateBackend(ctx as SearchContext<unknown>, o.backendPreference);
  const [data, { DartsSupernet }] = await Promise.all([training.loadSearchData(ctx.dataset, o), loadDartsSupernet()]);
  const drops = dropsPerStage(o.keepOps);
  const fingerprint = canonicalJson({
    method: 'pdarts',
    options: o as unknown as Json,
    dataset: ctx.dataset.info.name,
    sizes: ctx.dataset.info.sizes as unknown as Json,
    seed: ctx.seed,
  });
  let progress: Progress = {
    stage: 0,
    epoch: 0,
    switches: { normal: allSwitches(), reduce: allSwitches() },
    lastStageSwitches: null,
    epochs: [],
    stages: [],
    adamSteps: 0,
    searchSeconds: 0,
  };
  let resumeTensors: Map<string, { values: Float32Array }> | null = null;
  let resumeRng: Rng | null = null;
  const saved = await loadCheckpoint(ctx.checkpointDir);
  if (saved && saved.meta.fingerprint === fingerprint) {
    progress = saved.meta.extra as unknown as Progress;
    resumeTensors = saved.tensors;
    resumeRng = Rng.fromState(saved.meta.rng);
    ctx.logger.info(`pdarts: resuming stage ${progress.stage + 1}, epoch ${progress.epoch} from ${ctx.checkpointDir}`);
  } else if (saved) {
    ctx.logger.warn(`pdarts: checkpoint in ${ctx.checkpointDir} belongs to another search; starting afresh`);
  }

  const evalBatch = o.evalBatchSize ?? o.batchSize;
  for (let stage = progress.stage; stage < 3; stage++) {
    const cells = o.stageCells[stage]!;
    const settings = supernetTrainingSettings(o, { epochs: o.epochs, cells });
    const net: Net = new DartsSupernet({ channels: o.channels, cells, classes: data.classes, inputShape: data.shape, rng: ctx.rng.split(`stage-${stage}`) });
    for (const c of CELLS) for (let e = 0; e < SUPERNET_EDGES; e++) net.setCandidates(c, e, progress.switches[c][e]!);
    const trainer = new training.BilevelTrainer(net, settings, data.classes, o.augment === 'crop-flip' ? augment : undefined);
    try {
      let rng = ctx.rng.split(`search-${stage}`);
      if (resumeTensors && resumeRng) {
        trainer.restore(resumeTensors, progress.adamSteps);
        rng = resumeRng;
        resumeTensors = null;
        resumeRng = null;
      }
      const rate = o.skipDropout[stage]!;
      let stageSeconds = progress.epochs.filter((r) => r.stage === stage).reduce((s, r) => s + r.seconds, 0);
      for (let epoch = progress.epoch; epoch < o.epochs; epoch++) {
        const started = performance.now();
        const lr = cosineLearningRate(epoch, o.epochs, o.learningRate, o.learningRateMin);
        const trainArch = epoch >= o.archFreeEpochs;
        const p = skipDropoutAt(epoch, rate, o);
        net.setSkipDropout(p, rng);
        net.freeze({ alphas: !trainArch });
        const tr = trainer.trainEpoch(data, rng, lr, ctx.signal);
        const valid = o.epochs - epoch <= o.validEpochs ? training.evaluateSupernet(net, data, data.valid, evalBatch).accuracy : null;
        const seconds = (performance.now() - started) / 1000;
        stageSeconds += seconds;
        progress.searchSeconds += seconds;
        progress.epochs.push({ stage, epoch, lr, skipDropout: p, trainArch, ...tr, validAccuracy: valid, seconds });
        progress.epoch = epoch + 1;
        progress.adamSteps = trainer.adam.stepCount;
        await saveCheckpoint(
          ctx.checkpointDir,
          { epoch: progress.epochs.length, metrics: [], rng: rng.state(), backend, fingerprint, extra: progress as unknown as Json },
          await trainer.state(),
        );
        const global = stage * o.epochs + epoch;
        ctx.recordMetric(global, { lr, ...tr, ...(valid === null ? {} : { validAccuracy: valid }), seconds });
        ctx.logger.info(
          `pdarts stage ${stage + 1}/3 (${cells} cells) epoch ${epoch + 1}/${o.epochs}: train ${tr.trainAccuracy.toFixed(2)}%${valid === null ? '' : `, valid ${valid.toFixed(2)}%`}, ${seconds.toFixed(1)} s`,
        );
      }
      // The stage's probabilities: softmax(α) over each edge's switched-on ops.
      const probs = net.mixingWeightValues();
      const last = stage === 2;
      if (last) progress.lastStageSwitches = structuredClone(progress.switches);
      const next = {
        normal: pruneSwitches(progress.switches.normal, probs.normal, drops[stage]!, last),
        reduce: pruneSwitches(progress.switches.reduce, probs.reduce, drops[stage]!, last),
      };
      progress.stages.push({
        stage,
        cells,
        supernetParameters: activeParameterCount(net, progress.switches),
        opsPerEdge: activeOps(progress.switches.normal[0]!).length,
        probabilities: { normal: round(probs.normal), reduce: round(probs.reduce) },
        kept: { normal: opNames(next.normal), reduce: opNames(next.reduce) },
        seconds: stageSeconds,
      });
      progress.switches = next;
      if (last) {
        const normal = finalCell(progress.lastStageSwitches!.normal, probs.normal, next.normal, o.maxSkipConnects);
        const reduce = finalCell(progress.lastStageSwitches!.reduce, probs.reduce, next.reduce, null);
        const genotype = genotypeOf(normal.cell, reduce.cell);
        const stageEpochs = o.epochs * 3;
        return {
          architectures: [genotype],
          cost: { wallSeconds: progress.searchSeconds, epochs: stageEpochs },
          history: {
            backend,
            stages: progress.stages as unknown as Json,
            epochs: progress.epochs as unknown as Json,
            supernetParameters: progress.stages.map((s) => s.supernetParameters),
            unrestrictedGenotype: formatGenotype(genotypeOf(normal.unrestricted, reduce.unrestricted)),
            skipConnectsRemoved: normal.skipsRemoved,
            genotype: formatGenotype(genotype),
          },
        };
      }
      progress.stage = stage + 1;
      progress.epoch = 0;
      progress.adamSteps = 0;
    } finally {
      trainer.dispose();
      net.dispose();
    }
  }
  throw new Error('pdarts: unreachable');
}
