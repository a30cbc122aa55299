import { z } from '@naslab/core';

/**
 * Settings of the supernet training (`DartsSupernetTraining`): what DARTS and DARTS-PT take as
 * options; defaults are the reference `train_search.py` arguments.
 */
export const dartsSearchOptions = z
  .object({
    epochs: z.number().int().positive().max(100_000, 'at most 100,000 epochs').default(50),
    batchSize: z.number().int().positive().max(65_536, 'at most 65,536').default(64),
    /** Initial channels C of the supernet. */
    channels: z.number().int().positive().multipleOf(2).default(16),
    /** Cells L of the supernet (reductions at ⌊L/3⌋, ⌊2L/3⌋). */
    cells: z.number().int().min(1).default(8),
    /** 1: first-order DARTS; 2: unrolled (finite-difference Hessian-vector product). */
    order: z.union([z.literal(1), z.literal(2)]).default(1),
    learningRate: z.number().positive().default(0.025),
    learningRateMin: z.number().min(0).default(0.001),
    momentum: z.number().min(0).max(1).default(0.9),
    weightDecay: z.number().min(0).default(3e-4),
    /** Global-norm clipping of the weight gradients; null: off. */
    gradClip: z.number().positive().nullable().default(5),
    archLearningRate: z.number().positive().default(3e-4),
    archWeightDecay: z.number().min(0).default(1e-3),
    archBeta1: z.number().min(0).max(1).default(0.5),
    archBeta2: z.number().min(0).max(1).default(0.999),
    /** Use only the first N images of `search-train` / `search-valid` (tiny searches). */
    trainSubset: z.number().int().positive().optional(),
    validSubset: z.number().int().positive().optional(),
    /** The reference's train transform (random crop with padding 4 + horizontal flip) or none. */
    augment: z.enum(['crop-flip', 'none']).default('crop-flip'),
    /** Batch size of the per-epoch valid evaluation (default: batchSize). */
    evalBatchSize: z.number().int().positive().optional(),
    /** 'auto': the allowed backends by priority; 'ordered': in the manifest's order. */
    backendPreference: z.enum(['auto', 'ordered']).default('auto'),
  })
  .strict();
/** The settings `trainSupernet` runs with. */
export type DartsSearchSettings = z.output<typeof dartsSearchOptions>;
