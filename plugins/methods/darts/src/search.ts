/**
 * DARTS search (quark0/darts `cnn/train_search.py`): train the supernet (the DARTS space's
 * `DartsSupernetTraining` service), then derive the genotype as the reference `genotype()`.
 */
import type { Json, SearchContext, SearchResult } from '@naslab/core';
import { DARTS_OPS, derivePtDartsGenotype, formatGenotype, type Genotype, type PixelAugment, type SupernetTraining } from '@naslab/space-darts';
import type { DartsOptions } from './index.js';

/**
 * The whole DARTS search: train the supernet, derive the genotype. `variant: pt.darts` follows
 * antoyang/NAS-Benchmark `DARTS/`: always unrolled (`search.py` `train()` calls
 * `architect.unrolled_backward`), the split shuffled (`main()`), and the genotype parsed from raw
 * α (`SearchCNNController.genotype()` → `genotypes.parse`) after the skip cap of `main()`.
 */
export async function searchDarts(
  ctx: SearchContext<Genotype>,
  options: DartsOptions,
  training: SupernetTraining,
  augment?: PixelAugment,
): Promise<SearchResult<Genotype>> {
  const ptDarts = options.variant === 'pt.darts';
  const { variant: _variant, ...supernetSettings } = options;
  const settings = ptDarts ? { ...supernetSettings, order: 2 as const } : supernetSettings;
  const run = await training.trainSupernet(ctx as SearchContext<unknown>, settings, ctx.checkpointDir, augment, ptDarts ? { shuffleSplit: true } : {});
  try {
    const genotype = ptDarts ? derivePtDartsGenotype(run.net.alphaValues()) : run.net.genotype();
    return {
      architectures: [genotype],
      cost: { wallSeconds: run.searchSeconds, epochs: settings.epochs, trained: { count: 1, unit: 'supernet' } },
      history: {
        backend: run.backend,
        variant: options.variant ?? 'quark0',
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
