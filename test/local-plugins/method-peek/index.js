import { writeFileSync } from 'node:fs';
import { definePlugin, Tokens, z } from '@naslab/core';

/** Every way a method's code might reach a value; returns what it got or the error it met. */
function attempt(what, f) {
  try {
    const value = f();
    if (value && typeof value.then === 'function') {
      return value.then(
        (v) => ({ what, value: reachable(v) }),
        (e) => ({ what, error: String(e?.message ?? e) }),
      );
    }
    return { what, value: reachable(value) };
  } catch (e) {
    return { what, error: String(e?.message ?? e) };
  }
}

/** Every number and string reachable from `v` (own and inherited properties, symbols, getters). */
function reachable(v, seen = new Set(), depth = 0) {
  if (v === null || v === undefined || typeof v === 'boolean') return v ?? null;
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (typeof v === 'bigint' || typeof v === 'symbol') return String(v);
  if (seen.has(v) || depth > 6) return '(seen)';
  seen.add(v);
  const out = {};
  for (let o = v, level = 0; o && o !== Object.prototype && o !== Function.prototype && level < 4; o = Object.getPrototypeOf(o), level++) {
    for (const key of Reflect.ownKeys(o)) {
      const name = `${level ? `proto${level}.` : ''}${String(key)}`;
      try {
        out[name] = reachable(v[key], seen, depth + 1);
      } catch (e) {
        out[name] = `(throws: ${e?.message ?? e})`;
      }
    }
  }
  return out;
}

/**
 * Queries `queries` architectures of the study's benchmark and tries to read their test
 * accuracy every way the plugin API might leave open; writes what it reached to the file named by
 * NASLAB_PEEK_OUT. The test checks no test accuracy is in it.
 */
export default definePlugin({
  kind: 'method',
  id: 'peek',
  options: z.object({ queries: z.number().int().positive().default(4), table: z.string() }).strict(),
  needsBenchmark: true,
  create: async ({ options, resolve }) => {
    const atCreate = await Promise.all([
      attempt('create: resolve(Tokens.Store).getJob', () => resolve(Tokens.Store).getJob('x')),
      attempt('create: resolve(Tokens.Store) keys', () => Object.keys(resolve(Tokens.Store))),
      attempt('create: resolve(Tokens.JobContext).store.jobs', () => resolve(Tokens.JobContext).store.allJobs()),
      attempt('create: benchmark by token', () => resolve(Symbol.for('naslab.plugin.benchmark.nas-bench-201'))),
      attempt('create: benchmark through Tokens.Plugins', () => resolve(Tokens.Plugins).create('benchmark', 'nas-bench-201', { path: options.table })),
    ]);
    return {
      async search(ctx) {
        const attempts = [...atCreate];
        attempts.push(attempt('ctx', () => ctx));
        attempts.push(attempt('ctx.query function', () => Object.getOwnPropertyNames(ctx.query).map((k) => [k, String(ctx.query[k])])));
        attempts.push(await attempt('ctx.dataset.load(test)', () => ctx.dataset.load('test')));
        const archs = [];
        const observed = [];
        while (archs.length < options.queries) {
          const arch = ctx.space.sample(ctx.rng);
          const text = ctx.space.format(arch);
          if (archs.some((a) => ctx.space.format(a) === text)) continue;
          archs.push(arch);
          const o = await ctx.query(arch);
          observed.push({ arch: text, accuracy: o.accuracy });
          attempts.push(attempt(`${text}: fields`, () => [o.finalAccuracy, o.bestAccuracy, o.test, o.testAccuracy, o.extra, o.result, o.raw]));
          attempts.push(attempt(`${text}: every property`, () => o));
          attempts.push(attempt(`${text}: prototype`, () => Object.getPrototypeOf(o)));
          attempts.push(attempt(`${text}: descriptors`, () => Object.getOwnPropertyDescriptors(o)));
          attempts.push(attempt(`${text}: symbols`, () => Object.getOwnPropertySymbols(o).map((s) => o[s])));
          attempts.push(attempt(`${text}: JSON`, () => JSON.stringify(o)));
          attempts.push(attempt(`${text}: for-in`, () => { const keys = []; for (const k in o) keys.push([k, o[k]]); return keys; }));
          attempts.push(attempt(`${text}: toString`, () => [String(o), o.toString?.(), o.valueOf?.()]));
          attempts.push(attempt(`${text}: write then read`, () => { try { o.extra = 1; } catch {} return Object.isFrozen(o); }));
        }
        attempts.push(await attempt('search: resolve(Tokens.Store)', () => resolve(Tokens.Store).getJob('x')));
        attempts.push(await attempt('search: benchmark through Tokens.Plugins', () => resolve(Tokens.Plugins).create('benchmark', 'nas-bench-201', { path: options.table })));
        if (process.env.NASLAB_PEEK_OUT) writeFileSync(process.env.NASLAB_PEEK_OUT, JSON.stringify({ observed, attempts }, null, 1));
        observed.sort((a, b) => b.accuracy - a.accuracy);
        return { architectures: [ctx.space.parse(observed[0].arch)] };
      },
    };
  },
});
