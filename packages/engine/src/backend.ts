import * as tf from '@tensorflow/tfjs';
import { instantiatePlugin, isPluginDefinition, type Backend, type BackendProbe, type Logger } from '@naslab/core';

/** Backend packages `auto` tries when the manifest names none, best first. */
export const KNOWN_BACKEND_PACKAGES = [
  '@naslab/backend-libtorch',
  '@naslab/backend-tfjs-node-gpu',
  '@naslab/backend-tfjs-node',
  '@naslab/backend-wasm',
  '@naslab/backend-cpu',
] as const;

/** Load the backend plugins that are installed (missing ones are skipped). */
export async function installedBackends(threads = 1): Promise<Backend[]> {
  const out: Backend[] = [];
  for (const name of KNOWN_BACKEND_PACKAGES) {
    let mod: { default?: unknown };
    try {
      mod = (await import(name)) as typeof mod;
    } catch {
      continue;
    }
    const def = mod.default;
    if (!isPluginDefinition(def) || def.kind !== 'backend') continue;
    out.push((await instantiatePlugin(def, { threads }, name)) as Backend);
  }
  return out;
}

/** tfjs's own pure-JS backend: always there, the last resort. */
export const builtinCpuBackend: Backend = {
  name: 'cpu',
  priority: 0,
  probe: async () => ({ available: true }),
  activate: async () => {
    if (!(await tf.setBackend('cpu'))) throw new Error('tfjs cpu backend failed to initialise');
  },
};

export interface BackendSelection {
  readonly name: string;
  /** Backends skipped, with why. */
  readonly skipped: ReadonlyArray<{ name: string } & BackendProbe>;
}

/**
 * Activate the best available backend. `backends` are the plugins the manifest allows; with
 * `'auto'` they are tried by priority (libtorch > tfjs-node-gpu > tfjs-node > wasm > cpu),
 * otherwise in the order given. An empty list means every installed backend package.
 */
export async function selectBackend(
  backends: readonly Backend[],
  preference: 'auto' | 'ordered' = 'auto',
  options: { threads?: number; logger?: Logger } = {},
): Promise<BackendSelection> {
  const threads = options.threads ?? 1;
  const list = backends.length > 0 ? [...backends] : await installedBackends(threads);
  if (preference === 'auto') list.sort((a, b) => b.priority - a.priority);
  if (!list.some((b) => b.name === 'cpu')) list.push(builtinCpuBackend);
  const skipped: Array<{ name: string } & BackendProbe> = [];
  for (const backend of list) {
    const probe = await backend.probe();
    if (!probe.available) {
      skipped.push({ name: backend.name, ...probe });
      options.logger?.info?.(`backend ${backend.name} unavailable: ${probe.reason ?? 'unknown reason'}`);
      continue;
    }
    try {
      await backend.activate({ threads });
    } catch (e) {
      skipped.push({ name: backend.name, available: false, reason: `activation failed: ${(e as Error).message}` });
      continue;
    }
    await tf.ready();
    return { name: backend.name, skipped };
  }
  throw new Error(`no backend could be activated: ${skipped.map((s) => `${s.name} (${s.reason})`).join('; ')}`);
}
