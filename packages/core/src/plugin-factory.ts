import type { DependencyContainer } from 'tsyringe';
import { loadPlugin } from './resolver.js';
import type { PluginFactory } from './tokens.js';

/** `Tokens.Plugins`: plugins by id, found from the study's folders, created in the resolving container. */
export function pluginFactory(c: DependencyContainer, searchFrom: readonly string[]): PluginFactory {
  return {
    async create(kind, id, options = {}) {
      const loaded = await loadPlugin(kind, id, { searchFrom, where: { file: '(plugin)', path: `${kind} ${id}` } });
      const def = loaded.definition;
      const parsed: unknown = def.options ? def.options.parse(options) : options;
      return def.create({ options: parsed, label: id, resolve: (t) => c.resolve(t) }) as never;
    },
  };
}

