import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadManifest, prepareStudy, type Study } from '@naslab/core';

/** Folder of the installed CLI: built-in plugins are found from here too. */
export const cliDir = dirname(fileURLToPath(import.meta.url));

/** The trainer a manifest gets when it names none and uses no benchmark. */
export const DEFAULT_TRAINER = '@naslab/engine/trainer';

/** Load a manifest, its plugins, and plan it. Throws InputError on bad input. */
export async function openStudy(manifestPath: string): Promise<Study> {
  const manifest = await loadManifest(manifestPath);
  return prepareStudy(manifest, { searchFrom: [cliDir], defaultTrainer: DEFAULT_TRAINER });
}
