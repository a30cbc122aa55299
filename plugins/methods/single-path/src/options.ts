import { z } from '@naslab/core';

/**
 * Settings of the search; defaults are the reference's (`search_main.py` flags, `nas_utils.py`):
 * 8 epochs of ImageNet at batch 1024 (10,008 steps) of which the first 5 (6,255 steps) are the
 * warm-up, RMSProp at 0.016 per 256 images decayed 0.97 every 2.4 epochs, weight decay 1e-5,
 * label smoothing 0.1, λ = 0.020 (the repository's launch command; the flag's default is 0.1).
 */
export const singlePathOptions = z
  .object({
    epochs: z.number().int().positive().max(100_000, 'at most 100,000 epochs').default(8),
    /** Epochs (may be fractional) with λ = 0 and the decisions' dropout (reference: 6,255 of 10,008 steps). */
    warmupEpochs: z.number().min(0).default(5),
    batchSize: z.number().int().positive().max(65_536, 'at most 65,536').default(1024),
    /** Learning rate per 256 images: the run uses learningRate · batchSize / 256 (the reference's scaling). */
    learningRate: z.number().positive().default(0.016),
    /** Staircase exponential decay: × lrDecay every lrDecayEpochs epochs. */
    lrDecay: z.number().positive().max(1).default(0.97),
    lrDecayEpochs: z.number().positive().default(2.4),
    /** L2 weight decay of every trainable variable but BatchNorm's (the thresholds included, as the reference). */
    weightDecay: z.number().min(0).default(1e-5),
    labelSmoothing: z.number().min(0).lt(1).default(0.1),
    /** λ of the latency term λ · 1e3 · log(R_total / ms) after the warm-up. */
    runtimeLambda: z.number().min(0).default(0.02),
    /** Keep probability of each decision during the warm-up (the reference's dropout, 0.6; 1 turns it off). */
    decisionKeep: z.number().gt(0).max(1).default(0.6),
    /**
     * Decay of the moving average of the weights and BatchNorm statistics the per-epoch
     * `search-valid` accuracy is measured with (the reference's `moving_average_decay`, 0.9999,
     * with TensorFlow's `num_updates` ramp); 0 evaluates the raw weights. The decisions are always
     * read from the raw thresholds, as the reference logs them.
     */
    movingAverageDecay: z.number().min(0).lt(1).default(0.9999),
    rmspropDecay: z.number().min(0).lt(1).default(0.9),
    rmspropMomentum: z.number().min(0).lt(1).default(0.9),
    rmspropEpsilon: z.number().positive().default(1e-3),
    /** Use only the first N images of `search-train` / `search-valid` (tiny searches). */
    trainSubset: z.number().int().positive().optional(),
    validSubset: z.number().int().positive().optional(),
    /** Batch size of the per-epoch `search-valid` evaluation (default: batchSize). */
    evalBatchSize: z.number().int().positive().optional(),
    /** 'auto': the allowed backends by priority; 'ordered': in the manifest's order. */
    backendPreference: z.enum(['auto', 'ordered']).default('auto'),
  })
  .strict();
export type SinglePathOptions = z.output<typeof singlePathOptions>;
