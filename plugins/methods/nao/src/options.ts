import { z } from '@naslab/core';

/**
 * Options; defaults are the benchmark's CIFAR-10 run (`NAO/README.md` search command on top of
 * `NAO/train_search.py`'s defaults).
 */
export const naoOptions = z
  .object({
    epochs: z.number().int().positive().default(200).describe('Epochs of the shared child (`--child_epochs 200`; seed Table 2: 100)'),
    evalEpochs: z.number().int().positive().default(50).describe('The pool is scored and the controller trained every this many epochs (`--child_eval_epochs 50`; seed: 20)'),
    childLayers: z.number().int().positive().default(3).describe('N of the shared child (3N + 2 cells, `--child_layers 3`)'),
    childChannels: z.number().int().positive().default(20).describe('C of the shared child (`--child_channels 20`); even'),
    batchSize: z.number().int().positive().default(64).describe('`--child_batch_size 64`'),
    evalBatchSize: z.number().int().positive().default(500).describe('One batch of this many search-valid images scores each arch (`--child_eval_batch_size 500`)'),
    lrMax: z.number().positive().default(0.025),
    lrMin: z.number().nonnegative().default(0.001),
    stem: z
      .enum(['auto', 'cifar', 'imagenet'])
      .default('auto')
      .describe("The shared child's stem: `auto` is `NASWSNetworkImageNet`'s (three stride-2 convs) from 65 px on the shorter side, as the 224-px search, else the CIFAR one"),
    lrSchedule: z
      .enum(['auto', 'cosine', 'step'])
      .default('auto')
      .describe('`cosine`: lrMax → lrMin (CIFAR, `build_cifar10`); `step`: stepLearningRate·stepGamma^⌊epoch/stepPeriod⌋ (`build_imagenet`: StepLR); `auto`: step with the 224-px stem, else cosine'),
    stepLearningRate: z.number().positive().default(0.1).describe('`--child_lr 0.1`, the 224-px search'),
    stepGamma: z.number().positive().max(1).default(0.97).describe('`--child_gamma 0.97`'),
    stepPeriod: z.number().int().positive().default(1).describe('`--child_decay_period 1` (epochs)'),
    childWeightDecay: z.number().nonnegative().default(3e-4),
    childGradClip: z.number().positive().default(5),
    childDropPathKeepProb: z
      .number()
      .gt(0)
      .max(1)
      .nullable()
      .default(0.9)
      .describe('Drop-path keep probability of the shared child, scaled by layer and by step (`--child_drop_path_keep_prob 0.9`); null: none'),
    samplePolicy: z.enum(['params', 'uniform']).default('params').describe('Arch per step drawn ∝ its parameter count (`--child_sample_policy params`) or uniformly'),
    seedArchs: z.number().int().positive().default(600).describe('Random archs of the first pool (`--controller_seed_arch 600`)'),
    newArchs: z.number().int().positive().default(300).describe('New archs per round (`--controller_new_arch 300`)'),
    randomArchs: z.number().int().nonnegative().default(100).describe('Random archs added per round (`--controller_random_arch 100`)'),
    topArchs: z.number().int().positive().default(100).describe('The best archs moved in embedding space (the code: 100)'),
    controller: z
      .enum(['code', 'paper'])
      .default('code')
      .describe('`code`: λ = 0.8 and a step size growing 1, 2, … until `newArchs` are found or it passes 50 (the run); `paper`: λ = 0.9, one step of η = 10 (seed App. A.1)'),
    tradeOff: z.number().min(0).max(1).optional().describe('λ of λ·MSE + (1 − λ)·NLL, overriding `controller`'),
    stepSize: z.number().positive().optional().describe('A fixed step size η, overriding `controller`'),
    maxStepSize: z.number().int().positive().default(50).describe('The growing step size stops after passing this'),
    expand: z.number().int().min(1).nullable().default(8).describe('`--controller_expand 8`: 90 % of the pool trains the EPD, augmented ×(expand − 1) by branch swaps; null: all, swapped on the fly'),
    controllerEpochs: z.number().int().positive().default(1000),
    controllerBatchSize: z.number().int().positive().default(100),
    controllerLearningRate: z.number().positive().default(0.001),
    controllerWeightDecay: z.number().nonnegative().default(1e-4),
    embeddingSize: z.number().int().positive().default(48).describe('Encoder token embedding; the LSTMs have twice as many units (48 → 96)'),
    mlpLayers: z.number().int().nonnegative().default(3),
    mlpHidden: z.number().int().positive().default(200),
    augment: z.enum(['crop-flip', 'none']).default('crop-flip').describe('Training augmentation of the child (the code: random crop 4 + flip, no cutout)'),
    trainSubset: z.number().int().positive().optional().describe('Use only the first N images of search-train (tiny searches)'),
    validSubset: z.number().int().positive().optional().describe('Use only the first N images of search-valid (tiny searches)'),
  })
  .strict()
  .superRefine((o, ctx) => {
    // the final architecture is read after an evaluation, which the last epoch must be
    if (o.epochs % o.evalEpochs !== 0) ctx.addIssue({ code: 'custom', path: ['evalEpochs'], message: `epochs (${o.epochs}) must be a multiple of evalEpochs (${o.evalEpochs}): the result is the best arch of the last evaluation` });
    if (o.childChannels % 2 !== 0) ctx.addIssue({ code: 'custom', path: ['childChannels'], message: `must be even (FactorizedReduce halves it), got ${o.childChannels}` });
  });
export type NaoOptions = z.output<typeof naoOptions>;

/** λ and the step-size rule the options resolve to. */
export function controllerSchedule(o: NaoOptions): { tradeOff: number; step: { kind: 'growing'; max: number } | { kind: 'fixed'; size: number } } {
  const tradeOff = o.tradeOff ?? (o.controller === 'code' ? 0.8 : 0.9);
  if (o.stepSize !== undefined) return { tradeOff, step: { kind: 'fixed', size: o.stepSize } };
  return { tradeOff, step: o.controller === 'code' ? { kind: 'growing', max: o.maxStepSize } : { kind: 'fixed', size: 10 } };
}
