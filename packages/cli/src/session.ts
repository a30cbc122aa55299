import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadManifest, prepareStudy, type Manifest, type Study } from '@naslab/core';
import { engineProtocolSchema } from '@naslab/engine/protocol';

/** Folder of the installed CLI: built-in plugins are found from here too. */
export const cliDir = dirname(fileURLToPath(import.meta.url));

/** The trainer a manifest gets when it names none and uses no benchmark. */
export const DEFAULT_TRAINER = '@naslab/engine/trainer';

/**
 * Load and validate a manifest. When it will be trained by the default trainer, its protocol
 * knobs are checked with that trainer's schema in the same pass (every problem at once).
 */
export function loadStudyManifest(manifestPath: string): Promise<Manifest> {
  return loadManifest(manifestPath, {
    protocol: (m) => (m.trainer === undefined && m.benchmark === undefined ? { schema: engineProtocolSchema, owner: DEFAULT_TRAINER } : undefined),
  });
}

/** Load a manifest, its plugins, and plan it. Throws InputError on bad input. */
export async function openStudy(manifestPath: string): Promise<Study> {
  const manifest = await loadStudyManifest(manifestPath);
  return prepareStudy(manifest, { searchFrom: [cliDir], defaultTrainer: DEFAULT_TRAINER });
}
