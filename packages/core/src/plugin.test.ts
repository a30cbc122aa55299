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
