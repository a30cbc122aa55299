import { definePlugin, z } from '@naslab/core';

/**
 * `how` says what the search does instead of returning: `exit` calls process.exit(7) (and a
 * plugin catching the throw still fails), `throw-later` throws from a timer and never returns,
 * `reject` leaves a promise rejection unhandled and then returns as if nothing happened.
 */
export default definePlugin({
  kind: 'method',
  id: 'misbehave',
  options: z.object({ how: z.enum(['exit', 'exit-caught', 'throw-later', 'reject']) }).strict(),
  create: ({ options }) => ({
    async search(ctx) {
      const arch = ctx.space.sample(ctx.rng);
      switch (options.how) {
        case 'exit':
          process.exit(7);
          break;
        case 'exit-caught':
          try {
            process.exit(7);
          } catch {
            // Swallowed: the job must fail all the same.
          }
          break;
        case 'throw-later':
          setTimeout(() => {
            throw new Error('misbehave: thrown from a timer');
          }, 1);
          return new Promise(() => {});
        case 'reject':
          Promise.reject(new Error('misbehave: a rejection nobody handles'));
          await new Promise((r) => setTimeout(r, 20));
          break;
      }
      return { architectures: [arch], cost: {} };
    },
  }),
});
