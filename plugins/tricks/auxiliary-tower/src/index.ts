import { definePlugin, z } from '@naslab/core';
import type { TrainingHooks } from '@naslab/engine';
import type * as tfTypes from '@tensorflow/tfjs';
import { auxiliaryCellIndex, resolveHeadKind } from './geometry.js';
import { loadAuxiliaryHeadBuilder } from './head.js';

export {
  auxiliaryCellIndex,
  auxiliaryHeadGeometry,
  resolveHeadKind,
  IMAGENET_HEAD_MIN_INPUT_SIDE,
  type AuxiliaryHeadGeometry,
  type AuxiliaryHeadKind,
} from './geometry.js';
export { loadAuxiliaryHeadBuilder, type AuxiliaryHeadBuilder, type AuxiliaryHeadSize } from './head.js';

/** Name of the head's output in `NetworkOutput.heads`. */
export const AUXILIARY_HEAD = 'auxiliary';

export const auxiliaryTowerOptions = z
  .object({
    weight: z.number().nonnegative().default(0.4).describe('w in loss = CE + w·CE(auxiliary head) (DARTS: 0.4)'),
    cell: z
      .number()
      .int()
      .nonnegative()
      .optional()
      .describe('Cell whose output feeds the head (default ⌊2·cells/3⌋, the second reduction cell, as DARTS)'),
    hiddenChannels: z.number().int().positive().default(128).describe('Channels of the 1×1 conv (DARTS: 128)'),
    featureChannels: z.number().int().positive().default(768).describe('Channels before the classifier (DARTS: 768)'),
    head: z
      .enum(['auto', 'cifar', 'imagenet'])
      .default('auto')
      .describe('AuxiliaryHeadCIFAR (pool stride 3), AuxiliaryHeadImageNet (stride 2), or auto: ImageNet for inputs of 65 px and more'),
  })
  .strict();

export default definePlugin({
  kind: 'trick',
  id: 'auxiliary-tower',
  description: "DARTS' auxiliary classifier at 2/3 depth: loss = CE + 0.4·CE(head), head excluded from parameter counts",
  options: auxiliaryTowerOptions,
  create: async ({ options, label }) => {
    const tf = await import('@tensorflow/tfjs');
    const { crossEntropy } = await import('@naslab/engine');
    const buildHead = await loadAuxiliaryHeadBuilder();
    const hooks: TrainingHooks = {
      buildNetwork(network, spec) {
        const atCell = options.cell ?? auxiliaryCellIndex(spec.cells);
        const info = network.cellInfo[atCell];
        if (!info) throw new Error(`auxiliary-tower: the network has no cell ${atCell} (it has ${network.cellInfo.length})`);
        // Its own initialisation stream, so adding the head does not change the network's init.
        const kind = resolveHeadKind(options.head, spec.inputShape);
        const module = buildHead(info.outputShape, spec.classes, { ...options, kind }, spec.rng.split('auxiliary-head'));
        network.attachHead({ name: AUXILIARY_HEAD, atCell, module, trainingOnly: true, auxiliary: true });
      },
      extraLoss({ output, labels, classes }) {
        const logits = output.heads[AUXILIARY_HEAD] as tfTypes.Tensor2D | undefined;
        if (!logits || options.weight === 0) return undefined;
        return tf.mul(crossEntropy(logits, labels, classes), options.weight) as tfTypes.Scalar;
      },
    };
    return { id: label, hooks };
  },
});
