import * as tf from '@tensorflow/tfjs';
import { discoverPlugins, instantiatePlugin, lazyBackend, loadPlugin, type Backend, type BackendProbe, type Logger, type PackageVersion } from '@naslab/core';
import { createCpuBackend } from './cpu-backend.js';

/**
 * The backend plugins installed where `searchFrom` sees them (by name or the `naslab-plugin`
 * keyword, core's discovery), best first; each is created only when first probed. What
 * `backend: auto` gets in a study, for tools and benchmarks that train outside one.
 */
export async function installedBackends(searchFrom: readonly string[] = [process.cwd()]): Promise<Backend[]> {
  const out: Backend[] = [];
  for (const pkg of discoverPlugins(searchFrom, { kind: 'backend' })) {
    try {
      const { definition } = await loadPlugin('backend', pkg.name, { searchFrom: [], packageDir: pkg.dir });
      out.push(lazyBackend(definition.id, definition.priority, () => instantiatePlugin(definition), definition.speed));
    } catch {
    }
  }
  return out.sort((a, b) => (b.priority ?? 0) - (a.priority ?? 0));
}

/** The pure-JS cpu backend (`@naslab/backend-cpu`'s), always there: the last resort, ranked 0. */
export const builtinCpuBackend: Backend = { ...createCpuBackend(), priority: 0 };

export interface BackendSelection {
  readonly name: string;
  /** The device it runs on, when the backend says (`cuda:0 (NVIDIA H100 80GB HBM3)`). */
  readonly device?: string;
  /** Its package, when core knows it. */
  readonly package?: PackageVersion;
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
  const list = backends.length > 0 ? [...backends] : await installedBackends();
  if (preference === 'auto') list.sort((a, b) => (b.priority ?? 0) - (a.priority ?? 0));
  if (!list.some((b) => b.name === 'cpu')) list.push(builtinCpuBackend);
  const skipped: Array<{ name: string } & BackendProbe> = [];
  for (const backend of list) {
    const probe = await backend.probe();
    if (!probe.available) {
      skipped.push({ name: backend.name, ...probe });
      // Debug only: `naslab run` says once per run which backend trains and why (not once per job).
      options.logger?.debug?.(`backend ${backend.name} unavailable: ${probe.reason ?? 'unknown reason'}`);
      continue;
    }
    let device: string | undefined;
    try {
      device = (await backend.activate({ threads }))?.device;
    } catch (e) {
      skipped.push({ name: backend.name, available: false, reason: `activation failed: ${(e as Error).message}` });
      continue;
    }
    await tf.ready();
    return { name: backend.name, ...(device !== undefined ? { device } : {}), ...(backend.package ? { package: backend.package } : {}), skipped };
  }
  throw new Error(`no backend could be activated: ${skipped.map((s) => `${s.name} (${s.reason})`).join('; ')}`);
}
