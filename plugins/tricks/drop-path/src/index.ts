import { definePlugin, z } from '@naslab/core';
import type { ForwardContext, Module, TrainingHooks } from '@naslab/engine';
import type * as tfTypes from '@tensorflow/tfjs';
import { dropPathMask, dropPathProbability } from './drop-path.js';

export { dropPathMask, dropPathProbability, type DropPathSchedule } from './drop-path.js';

export default definePlugin({
  kind: 'trick',
  id: 'drop-path',
  description: 'Drop-path as in DARTS: non-identity edge ops dropped per sample, probability ramped over epochs',
  options: z
    .object({
      probability: z.number().min(0).max(0.99).default(0.2).describe('Drop probability p (reached at the end of a linear ramp)'),
      schedule: z
        .enum(['linear', 'constant'])
        .default('linear')
        .describe('linear: p·epoch/epochs, as DARTS train.py; constant: p from the first epoch'),
    })
    .strict(),
  create: async ({ options, label }) => {
    const tf = await import('@tensorflow/tfjs');
    const engine = await import('@naslab/engine');
    const state = { probability: 0 };

    /** Runs the wrapped op, then zeroes/rescales whole samples; transparent to parameter paths. */
    class DropPath extends engine.Module {
      override readonly isIdentity: boolean;
      constructor(private readonly inner: Module) {
        super();
        this.isIdentity = inner.isIdentity;
      }
      forward(x: tfTypes.Tensor, ctx: ForwardContext): tfTypes.Tensor {
        const y = this.inner.forward(x, ctx);
        const p = state.probability;
        if (!ctx.training || p <= 0 || !ctx.rng) return y;
        const n = y.shape[0]!;
        const mask = tf.tensor(dropPathMask(n, p, ctx.rng), [n, ...y.shape.slice(1).map(() => 1)]);
        return tf.mul(y, mask);
      }
      // Checkpoint keys and parameter counts stay those of the bare op.
      override parameters(prefix = '', auxiliary = false) {
        return this.inner.parameters(prefix, auxiliary || this.auxiliary);
      }
      override children() {
        return this.inner.children();
      }
    }

    const hooks: TrainingHooks = {
      wrapOp(op, info) {
        return info.identity || op.isIdentity ? op : new DropPath(op);
      },
      epochStart({ epoch, epochs }) {
        state.probability = dropPathProbability(options.probability, epoch, epochs, options.schedule);
      },
    };
    return { id: label, hooks };
  },
});
