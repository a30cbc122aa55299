/**
 * The CNAS search (`CNAS/run/train_search.py`, `darts/architecture.py`): first-order DARTS on the
 * 6-node CNAS supernet — per step an α Adam step on a fresh random `search-valid` batch, then an
 * SGD weight step on the `search-train` batch — through `@naslab/space-darts`' `BilevelTrainer`.
 * A checkpoint after every epoch; the genotype is the code's `genotype()` of the α at the start
 * of the last epoch (or after it).
 */
import { canonicalJson, Rng, type Json, type SearchContext, type SearchResult } from '@naslab/core';
import { cosineLearningRate, loadCheckpoint, saveCheckpoint } from '@naslab/engine';
import { CNAS_OPS, formatCnasGenotype, loadCnasNetwork, parseCnasGenotype, type CnasGenotype } from '@naslab/space-cnas';
import { supernetTrainingSettings, type PixelAugment, type SupernetTraining } from '@naslab/space-darts';
import type { CnasOptions } from './index.js';
import { CnasSupernet } from './supernet.js';

const round = (rows: number[][]) => rows.map((r) => r.map((v) => Math.round(v * 1e6) / 1e6));

interface CnasEpoch {
  readonly epoch: number;
  readonly lr: number;
  readonly trainLoss: number;
  readonly trainAccuracy: number;
  readonly validAccuracy: number;
  readonly validLoss: number;
  readonly seconds: number;
  /** The genotype of the α at the start of the epoch (what the code saves for the last one). */
  readonly genotypeAtStart: string;
  readonly alphas: { normal: number[][]; reduce: number[][] };
}

export async function searchCnas(ctx: SearchContext<CnasGenotype>, o: CnasOptions, training: SupernetTraining, augment?: PixelAugment): Promise<SearchResult<CnasGenotype>> {
  const backend = await training.activateBackend(ctx as SearchContext<unknown>, o.backendPreference);
  const [data, ops] = await Promise.all([training.loadSearchData(ctx.dataset, o), loadCnasNetwork()]);
  const settings = supernetTrainingSettings(o, { epochs: o.epochs, cells: o.cells });
  const net = new CnasSupernet({ channels: o.channels, cells: o.cells, classes: data.classes, inputShape: data.shape, rng: ctx.rng.split('supernet-init'), ops, shuffleGroups: o.shuffleGroups });
  const trainer = new training.BilevelTrainer(net, settings, data.classes, o.augment === 'crop-flip' ? augment : undefined);
  try {
    const fingerprint = canonicalJson({ method: 'cnas', options: o as unknown as Json, dataset: ctx.dataset.info.name, sizes: ctx.dataset.info.sizes as unknown as Json, seed: ctx.seed });
    let rng = ctx.rng.split('search');
    let records: CnasEpoch[] = [];
    let searchSeconds = 0;
    const saved = await loadCheckpoint(ctx.checkpointDir);
    if (saved && saved.meta.fingerprint === fingerprint) {
      const extra = saved.meta.extra as unknown as { adamSteps: number; records: CnasEpoch[]; searchSeconds: number };
      trainer.restore(saved.tensors, extra.adamSteps);
      rng = Rng.fromState(saved.meta.rng);
      records = extra.records;
      searchSeconds = extra.searchSeconds;
      ctx.logger.info(`cnas: resuming at epoch ${records.length} from ${ctx.checkpointDir}`);
    } else if (saved) {
      ctx.logger.warn(`cnas: checkpoint in ${ctx.checkpointDir} belongs to another search; starting afresh`);
    }
    const evalBatch = o.evalBatchSize ?? o.batchSize;
    for (let epoch = records.length; epoch < o.epochs; epoch++) {
      const started = performance.now();
      const genotypeAtStart = formatCnasGenotype(net.genotype());
      const lr = cosineLearningRate(epoch, o.epochs, o.learningRate, o.learningRateMin);
      const tr = trainer.trainEpoch(data, rng, lr, ctx.signal);
      const valid = training.evaluateSupernet(net, data, data.valid, evalBatch);
      const seconds = (performance.now() - started) / 1000;
      searchSeconds += seconds;
      const alphas = net.alphaSoftmaxValues();
      records.push({ epoch, lr, ...tr, validAccuracy: valid.accuracy, validLoss: valid.loss, seconds, genotypeAtStart, alphas: { normal: round(alphas.normal), reduce: round(alphas.reduce) } });
      await saveCheckpoint(
        ctx.checkpointDir,
        { epoch: epoch + 1, metrics: [], rng: rng.state(), backend, fingerprint, extra: { adamSteps: trainer.adam.stepCount, records, searchSeconds } as unknown as Json },
        await trainer.state(),
      );
      ctx.recordMetric(epoch, { lr, ...tr, validAccuracy: valid.accuracy, validLoss: valid.loss, seconds });
      ctx.logger.info(`cnas epoch ${epoch + 1}/${o.epochs}: train ${tr.trainAccuracy.toFixed(2)}%, valid ${valid.accuracy.toFixed(2)}%, ${seconds.toFixed(1)} s`);
    }
    const final = net.genotype();
    const genotype = o.genotypeFrom === 'final' ? final : parseCnasGenotype(records[records.length - 1]!.genotypeAtStart);
    return {
      architectures: [genotype],
      cost: { wallSeconds: searchSeconds, epochs: o.epochs },
      history: {
        backend,
        ops: [...CNAS_OPS],
        supernetParameters: net.weightParameters().reduce((s, p) => s + p.variable.size, 0),
        epochs: records as unknown as Json,
        finalGenotype: formatCnasGenotype(final),
        genotype: formatCnasGenotype(genotype),
      },
    };
  } finally {
    trainer.dispose();
    net.dispose();
  }
}
