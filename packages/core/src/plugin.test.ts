import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { definePlugin, instantiatePlugin } from './plugin.js';
import { Tokens } from './tokens.js';

describe('instantiatePlugin', () => {
  const seen: unknown[] = [];
  const plugin = definePlugin({
    kind: 'backend',
    id: 'probe-me',
    priority: 1,
    options: z.object({ minElements: z.number().int().positive().default(4096), threads: z.number().int().optional() }).strict(),
    create: ({ options, label, resolve }) => {
      seen.push(options, label);
      return { name: 'probe-me', probe: async () => resolve(Tokens.Seed) as never };
    },
  });

  it('parses the options with the plugin’s schema, defaults filled, and labels it', async () => {
    await instantiatePlugin(plugin, { threads: 2 });
    expect(seen).toEqual([{ minElements: 4096, threads: 2 }, 'probe-me']);
    await expect(instantiatePlugin(plugin, { threads: 2, extra: true })).rejects.toThrow(/extra/);
  });

  it('has no job container: resolving a job service says so', async () => {
    const backend = await instantiatePlugin(plugin, {}, '@acme/backend-probe-me');
    await expect(backend.probe()).rejects.toThrow(/@acme\/backend-probe-me: created outside a study, there is no job container/);
  });
});

describe('services plugins provide to each other', () => {
  it('a plugin resolves, by token, a service another plugin of the study provides; it is created once, lazily', async () => {
    const { createTestPlugin } = await import('./testing.js');
    const { provide } = await import('./plugin.js');
    const Counter = Symbol.for('test.Counter') as import('tsyringe').InjectionToken<{ next(): number }>;
    let made = 0;
    const provider = definePlugin({
      kind: 'space',
      id: 'provider',
      provides: [provide(Counter, () => (made++, { next: (() => { let n = 0; return () => ++n; })() }))],
      create: () => ({ id: 'provider', sample: () => 0, format: String, parse: Number }),
    });
    const user = definePlugin({
      kind: 'method',
      id: 'user',
      create: ({ resolve }) => ({
        search: async () => {
          const counter = resolve(Counter);
          return { architectures: [counter.next(), resolve(Counter).next()] };
        },
      }),
    });
    const method = await createTestPlugin(user, { with: [provider] });
    expect(made).toBe(0);
    const { testSearchContext } = await import('./testing.js');
    const r = await method.search(testSearchContext({ id: 's', sample: () => 0, format: String, parse: Number }));
    expect(r.architectures).toEqual([1, 2]);
    expect(made).toBe(1);
  });
});
