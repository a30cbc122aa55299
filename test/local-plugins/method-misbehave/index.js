import { execFileSync, spawn } from 'node:child_process';
import { definePlugin, z } from '@naslab/core';

/**
 * `how` says what the search does instead of returning: `exit` calls process.exit(7) (and a
 * plugin catching the throw still fails), `throw-later` throws from a timer and never returns,
 * `reject` leaves a promise rejection unhandled and then returns as if nothing happened, `abort`
 * calls process.abort(), `kill-self` sends SIGKILL to its own pid. `kill-other` kills a child process of its own and checks that its own
 * process exists (signal 0), then returns normally: kills that do not end the process are fine.
 * `kill-9-outside` has another program send SIGKILL to its process, as an out-of-memory killer
 * would: nothing in the process can catch that.
 */
export default definePlugin({
  kind: 'method',
  id: 'misbehave',
  options: z.object({ how: z.enum(['exit', 'exit-caught', 'throw-later', 'reject', 'abort', 'kill-self', 'kill-other', 'kill-9-outside']) }).strict(),
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
        case 'abort':
          process.abort();
          break;
        case 'kill-self':
          process.kill(process.pid, 'SIGKILL');
          break;
        case 'kill-other': {
          const child = spawn('sleep', ['30'], { stdio: 'ignore' });
          const exited = new Promise((r) => child.once('exit', (_code, signal) => r(signal)));
          process.kill(child.pid, 'SIGKILL');
          if ((await exited) !== 'SIGKILL') throw new Error('misbehave: the child was not killed');
          process.kill(process.pid, 0);
          break;
        }
        case 'kill-9-outside':
          execFileSync('kill', ['-9', String(process.pid)]);
          await new Promise(() => {});
      }
      return { architectures: [arch], cost: {} };
    },
  }),
});
