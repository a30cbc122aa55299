import { z } from '@naslab/core';

/** Options; defaults are the benchmark's NSGA-Net run (`NSGANET/README.md`) and `search/train_search.py`. */
export const nsganetOptions = z
  .object({
    populationSize: z.number().int().min(2).default(40).describe('Population (benchmark README: 40)'),
    generations: z.number().int().positive().default(30).describe('Generations, the initial population counted as the first (benchmark README: 30)'),
    offspring: z.number().int().positive().default(20).describe('Offspring per generation (benchmark README: 20)'),
    blocks: z.number().int().min(1).max(5).default(5).describe('Blocks per cell of the searched genome (`--n_blocks 5`)'),
    complexity: z.enum(['flops', 'params']).default('flops').describe('Second objective: MFLOPs of one image (the code) or millions of parameters'),
    mutationEta: z.number().positive().default(3).describe('Distribution index of the polynomial mutation (`nsganet.py`: 3)'),
    epochs: z.number().int().positive().default(20).describe('Training epochs per candidate'),
    channels: z.number().int().positive().default(16).describe('Initial channels of a candidate network'),
    cells: z.number().int().min(3).default(8).describe('Cells of a candidate network'),
    batchSize: z.number().int().positive().default(128),
    learningRate: z.number().positive().default(0.025).describe('SGD lr, cosine-annealed to 0'),
    momentum: z.number().min(0).max(1).default(0.9),
    weightDecay: z.number().nonnegative().default(3e-4),
    gradClip: z.number().positive().nullable().default(5),
    augment: z.enum(['crop-flip', 'none']).default('crop-flip').describe('Training augmentation of the candidates (random crop with 4 px padding + flip, as train_search.py)'),
    searchNetwork: z
      .enum(['network-cifar', 'space'])
      .default('network-cifar')
      .describe("`network-cifar`: the code's NetworkCIFAR (channels double at reductions, no SE, no increment); `space`: the space's evaluation network as configured"),
  })
  .strict();
export type NsganetOptions = z.output<typeof nsganetOptions>;
