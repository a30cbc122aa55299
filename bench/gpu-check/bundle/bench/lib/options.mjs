// Command-line options of the bench scripts (`--name value` pairs and bare `--flag`s) and the
// repository root they import built packages from.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

const args = process.argv.slice(2);

/** The value after `--name`, or `fallback`. */
export function option(name, fallback) {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
}

/** Whether `--name` is on the command line. */
export function flag(name) {
  return args.includes(`--${name}`);
}
