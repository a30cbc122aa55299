import { z } from '@naslab/core';

/**
 * The optimiser and data settings every weight-sharing method on the DARTS supernet takes, with
 * the reference `train_search.py` defaults. Methods `.extend()` it with their own fields and
 * defaults (an extended field keeps its place, and option keys are hashed sorted, so job keys
 * do not depend on where a field is declared).
 */
export const supernetMethodOptions = z
  .object({
    batchSize: z.number().int().positive().default(64),
    /** Initial channels C of the supernet. */
    channels: z.number().int().positive().multipleOf(2).default(16),
    learningRate: z.number().positive().default(0.025),
    learningRateMin: z.number().min(0).default(0.001),
    momentum: z.number().min(0).max(1).default(0.9),
    weightDecay: z.number().min(0).default(3e-4),
    /** Global-norm clipping of the weight gradients; null: off. */
    gradClip: z.number().positive().nullable().default(5),
    /** Use only the first N images of `search-train` / `search-valid` (tiny searches). */
    trainSubset: z.number().int().positive().optional(),
    validSubset: z.number().int().positive().optional(),
    /** The reference's train transform (random crop with padding 4 + horizontal flip) or none. */
    augment: z.enum(['crop-flip', 'none']).default('crop-flip'),
    /** 'auto': the allowed backends by priority; 'ordered': in the manifest's order. */
    backendPreference: z.enum(['auto', 'ordered']).default('auto'),
  })
  .strict();

/** The α optimiser (Adam) of DARTS' `Architect`, defaults the reference arguments: for methods that `.extend()` with them. */
export const archOptimizerOptions = {
  archLearningRate: z.number().positive().default(3e-4),
  archWeightDecay: z.number().min(0).default(1e-3),
  archBeta1: z.number().min(0).max(1).default(0.5),
  archBeta2: z.number().min(0).max(1).default(0.999),
};

/**
 * Settings of the supernet training (`DartsSupernetTraining`): what DARTS and DARTS-PT take as
 * options; defaults are the reference `train_search.py` arguments.
 */
export const dartsSearchOptions = supernetMethodOptions
  .extend({
    epochs: z.number().int().positive().max(100_000, 'at most 100,000 epochs').default(50),
    batchSize: z.number().int().positive().max(65_536, 'at most 65,536').default(64),
    /** Cells L of the supernet (reductions at ⌊L/3⌋, ⌊2L/3⌋). */
    cells: z.number().int().min(1).default(8),
    /** 1: first-order DARTS; 2: unrolled (finite-difference Hessian-vector product). */
    order: z.union([z.literal(1), z.literal(2)]).default(1),
    ...archOptimizerOptions,
    /** Batch size of the per-epoch valid evaluation (default: batchSize). */
    evalBatchSize: z.number().int().positive().optional(),
  })
  .strict();
/** The settings `trainSupernet` runs with. */
export type DartsSearchSettings = z.output<typeof dartsSearchOptions>;

/** The fields of a method's options that `supernetTrainingSettings` passes on (the α optimiser's may be absent: defaults). */
export type SupernetMethodSettings = Pick<
  z.output<typeof supernetMethodOptions>,
  'batchSize' | 'channels' | 'learningRate' | 'learningRateMin' | 'momentum' | 'weightDecay' | 'gradClip' | 'augment'
> &
  Partial<Pick<DartsSearchSettings, 'archLearningRate' | 'archWeightDecay' | 'archBeta1' | 'archBeta2'>>;

/**
 * The training settings of one supernet run of a method (a stage of P-DARTS or StacNAS, CNAS'
 * and MANAS' one run): the method's optimiser settings with that run's epochs and cells, first
 * order. Subsets, evaluation batch and backend preference stay at their defaults: the methods
 * apply those themselves.
 */
export function supernetTrainingSettings(o: SupernetMethodSettings, run: { readonly epochs: number; readonly cells: number }): DartsSearchSettings {
  return dartsSearchOptions.parse({
    epochs: run.epochs,
    batchSize: o.batchSize,
    channels: o.channels,
    cells: run.cells,
    order: 1,
    learningRate: o.learningRate,
    learningRateMin: o.learningRateMin,
    momentum: o.momentum,
    weightDecay: o.weightDecay,
    gradClip: o.gradClip,
    archLearningRate: o.archLearningRate,
    archWeightDecay: o.archWeightDecay,
    archBeta1: o.archBeta1,
    archBeta2: o.archBeta2,
    augment: o.augment,
  });
}
