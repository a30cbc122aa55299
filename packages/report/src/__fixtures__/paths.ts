import { fileURLToPath } from 'node:url';

/** shared/seed-data beside the repository root (repoRoot/../shared/seed-data). */
export const SEED_DATA_DIR = fileURLToPath(new URL('../../../../../shared/seed-data/', import.meta.url));
/** packages/report/test-results (gitignored). */
export const TEST_RESULTS_DIR = fileURLToPath(new URL('../../test-results/', import.meta.url));
