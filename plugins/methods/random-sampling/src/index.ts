/**
 * `@naslab/method-random-sampling`: the baseline of Yang, Esperança & Carlucci, "NAS evaluation
 * is frustratingly hard" (ICLR 2020): K architectures sampled uniformly from the search space
 * (the space's own `sample`, which defines "uniform" for that space), each trained from scratch
 * with the study's protocol. The mean accuracy of these K is `Acc_r` of the relative improvement.
 */
import {
  definePlugin,
  z,
  type SearchContext,
  type SearchMethod,
  type SearchResult,
} from '@naslab/core';

export const randomSamplingOptions = z
  .object({
    /** K, the number of sampled architectures (the paper samples 8 per dataset). */
    samples: z.number().int().positive().max(100_000, 'at most 100,000 samples').default(8),
    /**
     * Draws allowed per requested architecture before giving up on distinctness. Only a space
     * with fewer than `samples` architectures (or nearly so) exhausts them.
     */
    attemptsPerSample: z.number().int().positive().max(1_000_000, 'at most 1,000,000 attempts').default(100),
  })
  .strict();
export type RandomSamplingOptions = z.output<typeof randomSamplingOptions>;

/** A `SearchMethod` that works on any space's architecture type. */
export interface AnySpaceSearchMethod extends SearchMethod {
  search<A>(ctx: SearchContext<A>): Promise<SearchResult<A>>;
}

/**
 * Samples `samples` architectures with `ctx.space.sample(ctx.rng)`, distinct by canonical text.
 * When the space is too small to give that many distinct ones within
 * `samples × attemptsPerSample` draws, the remaining slots are filled with further (repeated)
 * draws and a warning is logged, so the planner still gets the K architectures it laid out.
 */
export function createRandomSampling(options: RandomSamplingOptions): AnySpaceSearchMethod {
  return {
    async search<A>(ctx: SearchContext<A>): Promise<SearchResult<A>> {
      const started = performance.now();
      const seen = new Set<string>();
      const architectures: A[] = [];
      const maxDraws = options.samples * options.attemptsPerSample;
      let draws = 0;
      while (architectures.length < options.samples && draws < maxDraws) {
        if (ctx.signal.aborted) throw ctx.signal.reason ?? new Error('aborted');
        const arch = ctx.space.sample(ctx.rng);
        draws++;
        const text = ctx.space.format(arch);
        if (seen.has(text)) continue;
        seen.add(text);
        architectures.push(arch);
      }
      const distinct = architectures.length;
      if (distinct < options.samples) {
        ctx.logger.warn(
          `random-sampling: space '${ctx.space.id}' gave only ${distinct} distinct architectures in ${draws} draws; ` +
            `the other ${options.samples - distinct} of ${options.samples} are repeats`,
        );
        while (architectures.length < options.samples) {
          architectures.push(ctx.space.sample(ctx.rng));
          draws++;
        }
      }
      return {
        architectures,
        cost: { wallSeconds: (performance.now() - started) / 1000 },
        history: { draws, distinct, texts: architectures.map((a) => ctx.space.format(a)) },
      };
    },
  };
}

export default definePlugin({
  kind: 'method',
  id: 'random-sampling',
  description: 'Random-sampling baseline (Yang et al., ICLR 2020): K architectures sampled uniformly.',
  options: randomSamplingOptions,
  outputs: (o) => o.samples,
  create: ({ options }) => createRandomSampling(options),
});
