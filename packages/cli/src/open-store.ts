import { formatPath, InputError, type Manifest } from '@naslab/core';
import type { SqliteResultStore } from '@naslab/store';

/**
 * Open a manifest's results store; a store that cannot be used (see `SqliteResultStore`) is an
 * input error at the manifest's `store` line. The database code is imported only here.
 */
export async function openManifestStore(manifest: Manifest): Promise<SqliteResultStore> {
  const { SqliteResultStore: Store } = await import('@naslab/store');
  try {
    return new Store(manifest.store);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    const at = { file: manifest.file, ...manifest.locate(['store']), path: formatPath(['store']) };
    throw new InputError(e.problems.map((p) => ({ ...at, message: `${p.file}: ${p.message}` })));
  }
}
