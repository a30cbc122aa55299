import { z } from '@naslab/core';

/** Options; defaults are the benchmark's CIFAR-10 run (`ENASTF/README.md`: `main.py` flags of `cifar10_micro_search.sh`). */
export const enasOptions = z
  .object({
    epochs: z.number().int().positive().default(150).describe('Search epochs (`--num_epochs 150`)'),
    childCells: z.number().int().min(3).default(8).describe('Cells of the shared child (`--child_num_layers 6` + 2)'),
    childFilters: z.number().int().positive().default(20).describe('F of the shared child (`--child_out_filters 20`)'),
    batchSize: z.number().int().positive().default(160),
    lrMax: z.number().positive().default(0.05),
    lrMin: z.number().nonnegative().default(0.0005),
    t0: z.number().int().positive().default(10),
    tMul: z.number().int().positive().default(2),
    childWeightDecay: z.number().nonnegative().default(2e-4).describe('SGD weight decay; the code adds 1e-4·Σw² to the loss, the same gradient'),
    childGradClip: z
      .enum(['norm', 'global', 'released-code'])
      .default('norm')
      .describe(
        '`norm`: each gradient tensor clipped by its own norm, as the code intends (`clip_mode="norm"`); `global`: by the joint norm of all; `released-code`: no clipping (the TF code applies the unclipped gradient)',
      ),
    childGradBound: z.number().positive().default(5).describe('Clipping bound (`--child_grad_bound`, default 5.0; the search script leaves it)'),
    childAuxHead: z
      .enum(['trained', 'released-code', 'none'])
      .default('trained')
      .describe(
        'Auxiliary head of the search child (`--child_use_aux_heads`, loss weight 0.4): `trained`; `released-code`: its weights stay at their init, as the code leaves `aux_head` variables out of the optimised list; `none`',
      ),
    childAuxWeight: z.number().nonnegative().default(0.4).describe('Weight of the auxiliary loss (the code: 0.4)'),
    childKeepProb: z.number().gt(0).max(1).default(0.9).describe('Dropout keep probability before the classifier while the child trains (`--child_keep_prob 0.90`)'),
    childDropPathKeepProb: z
      .number()
      .gt(0)
      .max(1)
      .nullable()
      .default(null)
      .describe('Drop-path keep probability of the search child, scaled by layer and step; null (default): none, as the code (the script sets 0.60, but `_enas_layer` never applies it)'),
    controller: z.enum(['code', 'paper']).default('code').describe('`code`: lr 0.0035, entropy weight 1e-4 (the run); `paper`: 0.00035 and 0.1 (seed App. A.1)'),
    controllerLearningRate: z.number().positive().optional(),
    controllerLstmSize: z.number().int().positive().optional().describe('LSTM units of the controller (the code: 64); smaller for tiny searches'),
    entropyWeight: z.number().nonnegative().optional(),
    controllerSteps: z.number().int().nonnegative().default(30).describe('Controller updates per epoch (`--controller_train_steps 30`)'),
    aggregate: z.number().int().positive().default(10).describe('Samples averaged per controller update (`--controller_num_aggregate 10`)'),
    finalSamples: z.number().int().positive().default(10).describe('Arcs sampled at the end; the best on search-valid is the result'),
    augment: z.enum(['crop-flip', 'none']).default('crop-flip'),
    trainSubset: z.number().int().positive().optional().describe('Use only the first N images of search-train (tiny searches)'),
    validSubset: z.number().int().positive().optional().describe('Use only the first N images of search-valid (tiny searches)'),
  })
  .strict();
export type EnasOptions = z.output<typeof enasOptions>;
