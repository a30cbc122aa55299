/**
 * DARTS search (quark0/darts `cnn/train_search.py`): train the supernet (the DARTS space's
 * `DartsSupernetTraining` service), then derive the genotype as the reference `genotype()`.
 */
import type { Json, SearchContext, SearchResult } from '@naslab/core';
import { DARTS_OPS, formatGenotype, type Genotype, type PixelAugment, type SupernetTraining } from '@naslab/space-darts';
import type { DartsOptions } from './index.js';

/** The whole DARTS search: train the supernet, derive the genotype. */
export async function searchDarts(
  ctx: SearchContext<Genotype>,
  settings: DartsOptions,
  training: SupernetTraining,
  augment?: PixelAugment,
): Promise<SearchResult<Genotype>> {
  const run = await training.trainSupernet(ctx as SearchContext<unknown>, settings, ctx.checkpointDir, augment);
  try {
    const genotype = run.net.genotype();
    return {
      architectures: [genotype],
      cost: { wallSeconds: run.searchSeconds, epochs: settings.epochs },
      history: {
        backend: run.backend,
        order: settings.order,
        ops: [...DARTS_OPS],
        initialAlphas: { normal: training.roundAlphas(run.initialAlphas.normal), reduce: training.roundAlphas(run.initialAlphas.reduce) },
        epochs: run.records as unknown as Json,
        genotype: formatGenotype(genotype),
      },
    };
  } finally {
    run.trainer.dispose();
    run.net.dispose();
  }
}
