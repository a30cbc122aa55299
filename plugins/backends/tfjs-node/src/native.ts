/**
 * Shared by the tfjs-node and tfjs-node-gpu backend plugins: probe an optional native tfjs
 * package without letting a missing install or libtensorflow crash the process.
 */
import type { BackendProbe } from '@naslab/core';
import type { Backend } from '@naslab/engine';

export interface NativeTfjsOptions {
  readonly name: string;
  readonly packageName: '@tensorflow/tfjs-node' | '@tensorflow/tfjs-node-gpu';
  readonly priority: number;
  /** Imports the package (a literal specifier, so bundlers and tests can see it). */
  readonly load: () => Promise<unknown>;
}

function isNotInstalled(e: unknown): boolean {
  const code = (e as { code?: string }).code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

export function nativeProbeFailure(packageName: string, e: unknown): BackendProbe {
  const fix =
    `with internet access: \`npm install ${packageName}@4.22.0\` (its install script downloads libtensorflow); ` +
    `offline: point the install at a mirror holding the libtensorflow archive with TFJS_NODE_CDN_STORAGE ` +
    `(or TFJS_NODE_BASE_URI) and run \`npm rebuild ${packageName}\``;
  if (isNotInstalled(e)) {
    return {
      available: false,
      reason: `${packageName} is not installed (its install downloads libtensorflow from the internet; an offline \`npm ci\` skips it silently)`,
      fix,
    };
  }
  const message = (e as Error).message ?? String(e);
  if (/tfjs_binding\.node|libtensorflow/i.test(message)) {
    return { available: false, reason: `${packageName} is installed but its native addon/libtensorflow is missing: ${message}`, fix };
  }
  return { available: false, reason: `${packageName} failed to load: ${message}`, fix };
}

export function createNativeTfjsBackend(o: NativeTfjsOptions): Backend {
  let probed: BackendProbe | undefined;
  return {
    name: o.name,
    priority: o.priority,
    probe: async () => {
      if (probed) return probed;
      try {
        await o.load();
        probed = { available: true };
      } catch (e) {
        probed = nativeProbeFailure(o.packageName, e);
      }
      return probed;
    },
    activate: async () => {
      const tf = await import('@tensorflow/tfjs');
      await o.load();
      // Both packages register their backend under the name 'tensorflow'.
      if (!(await tf.setBackend('tensorflow'))) throw new Error(`${o.packageName}: the 'tensorflow' backend failed to initialise`);
      await tf.ready();
    },
  };
}
