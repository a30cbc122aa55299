import { z } from '@naslab/core';
import { defineQueryMethod } from '@naslab/search-kit';
import { runWeakNas, type WeakNasIteration } from './weaknas.js';

export { runWeakNas, type EncodableSpace, type WeakNasOptions, type WeakNasIteration, type WeakNasOutcome } from './weaknas.js';
export { MlpRegressor, PREDICT_CHUNK_ROWS, type MlpGradients, type MlpOptions } from './mlp.js';
export { AdamOptimizer, SKLEARN_ADAM, type AdamSettings } from './adam.js';
export { bySize, convMatrixProducts, jsMatrixProducts, matMulMatrixProducts, selectMatrixProducts, type MatrixProducts } from './matrix-products.js';

export const weakNasOptions = z
  .object({
    queries: z.number().int().positive().max(1_000_000, 'at most 1,000,000 queries').default(200).describe('Query budget (initial samples included)'),
    initialSamples: z.number().int().positive().max(100_000, 'at most 100,000 samples').default(10).describe('Uniform samples before the first predictor (reference, NB201: 10)'),
    topK: z.number().int().positive().max(1_000_000, 'at most 1,000,000').default(100).describe('Top-predicted pool sampled from (reference: top_start = top_end = 100)'),
    samplesPerIteration: z.number().int().positive().max(100_000, 'at most 100,000').default(10).describe('Queries per iteration (reference: sample_each_iter 10)'),
    ensemble: z.number().int().positive().max(100, 'at most 100 predictors').default(1).describe('Predictors averaged per iteration (reference, uniform sampling: 1 — WeakNAS.py sets num_ensemble = 1 unless --sampling_method ei; its argparse default 5 serves EI)'),
    encoding: z.string().default('one-hot').describe('Space encoding fed to the predictor (reference: one-hot)'),
    hiddenLayers: z.array(z.number().int().positive().max(100_000, 'at most 100,000 units')).min(1).max(16, 'at most 16 layers').default([1000, 1000, 1000, 1000]).describe('MLP hidden sizes (reference --mlp_size: 4 × 1000; [16, 16] is the small predictor earlier versions used)'),
    epochs: z.number().int().positive().max(100_000, 'at most 100,000 epochs').default(100).describe('Maximum training epochs per predictor (reference: mlp_iter 100)'),
    learningRate: z.number().positive().default(1e-3).describe('Adam learning rate (scikit-learn default)'),
    l2: z.number().nonnegative().default(1e-4).describe('L2 penalty alpha (scikit-learn default)'),
    batchSize: z.number().int().positive().max(1_000_000, 'at most 1,000,000').default(200).describe('Mini-batch cap (scikit-learn: min(200, n))'),
    patience: z.number().int().nonnegative().default(10).describe('Epochs without improvement before stopping (scikit-learn n_iter_no_change)'),
    tolerance: z.number().nonnegative().default(1e-4).describe('Improvement that resets patience (scikit-learn tol)'),
    finalPredictor: z.boolean().default(true).describe("Once the budget is spent, fit a last predictor on every query and record its top-1 (the reference's reported metric needs it)"),
    backendPreference: z.enum(['auto', 'ordered']).default('auto').describe("The manifest's backends the predictor runs on: 'auto' by priority (libtorch first where it is built), 'ordered' as listed"),
  })
  .strict();

export default defineQueryMethod({
  id: 'weaknas',
  description: 'WeakNAS: iterative weak MLP predictors (Wu et al., NeurIPS 2021) with a query budget on a tabular benchmark.',
  options: weakNasOptions,
  requires: ['enumerable', 'encodable'],
  search: async ({ space, budget, rng, options, backends, threads, logger, checkpoint }) => {
    const iterations: WeakNasIteration[] = [];
    // Loaded here, not at import: the CLI lists plugins without loading TensorFlow.js.
    const activate = async () => (await (await import('@naslab/engine')).selectBackend(backends, options.backendPreference, { threads, logger })).name;
    const out = await runWeakNas(space, budget, rng, options, (it) => iterations.push(it), activate, checkpoint);
    return {
      stopReason: out.stopReason,
      history: {
        iterations: iterations.map((it) => ({ ...it })),
        backend: out.backend,
        // The reference reports max(test of the best queried, test of this): only an evaluation may compute it.
        ...(out.predictorTop1 !== undefined ? { predictorTop1: space.format(out.predictorTop1) } : {}),
      },
    };
  },
});
