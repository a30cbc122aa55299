/**
 * `@naslab/engine/protocol`: the protocol knobs the engine's trainer understands, with the DARTS
 * evaluation recipe as defaults (quark0/darts `cnn/train.py`). Core passes a manifest's protocol
 * through; the trainer's definition hands this schema to core, which validates every protocol
 * with it at the manifest's lines. No TensorFlow.js here: validation stays cheap.
 */
import { z, type TrainingProtocol } from '@naslab/core';

export const engineProtocolSchema = z
  .object({
    epochs: z.number().int().positive().default(600),
    batchSize: z.number().int().positive().default(96),
    learningRate: z.number().positive().default(0.025),
    learningRateMin: z.number().nonnegative().default(0),
    momentum: z.number().min(0).max(1).default(0.9),
    weightDecay: z.number().nonnegative().default(3e-4),
    gradClip: z.number().positive().nullable().default(5).describe('Global-norm gradient clipping; null disables it'),
    channels: z.number().int().positive().default(36).describe('Initial channels C'),
    cells: z
      .number()
      .int()
      .min(3, 'too small: needs at least 3 cells: DARTS-style networks reduce at cells ⌊L/3⌋ and ⌊2L/3⌋, which fall on the first two cells below L = 3 and leave no normal cell before them')
      .default(20)
      .describe('Cells (layers) L'),
    testEvery: z.number().int().positive().default(1).describe('Evaluate on the test split every N epochs (and at the last)'),
  })
  .strict();

/** The protocol `trainFromScratch` gets: core's name plus the engine's knobs. */
export type EngineProtocol = TrainingProtocol & z.output<typeof engineProtocolSchema>;
