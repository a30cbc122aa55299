import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** shared/seed-data beside the repository root (repoRoot/../shared/seed-data). */
export const SEED_DATA_DIR = fileURLToPath(new URL('../../../../../shared/seed-data/', import.meta.url));

export function seedFile(relative: string): string {
  const path = fileURLToPath(new URL(relative, new URL('../../../../../shared/seed-data/', import.meta.url)));
  if (!existsSync(path)) throw new Error(`seed data not found at ${path}: shared/seed-data must sit beside the repository`);
  return readFileSync(path, 'utf8');
}
