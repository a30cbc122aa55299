import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repoRoot, type CliResult } from '../helpers/cli.js';

type RunCli = (argv: string[]) => Promise<number>;
let runCli: RunCli | undefined;

/**
 * Run the built `naslab` command in this process (no Node start-up per case): stdout and stderr
 * are captured while it runs. Calls are serialised; each resolves to what a spawned CLI would show.
 */
export async function naslabInProcess(args: string[]): Promise<CliResult> {
  runCli ??= ((await import(pathToFileURL(join(repoRoot, 'packages/cli/dist/cli.js')).href)) as { runCli: RunCli }).runCli;
  const previous = queue;
  let release!: () => void;
  queue = new Promise<void>((r) => (release = r));
  await previous;
  let stdout = '';
  let stderr = '';
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += String(chunk)), true)) as typeof process.stderr.write;
  try {
    const code = await runCli(args);
    return { code, stdout, stderr };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
    process.exitCode = undefined;
    release();
  }
}
let queue: Promise<void> = Promise.resolve();

/** No JavaScript stack trace in what the CLI printed. */
export function hasStackTrace(text: string): boolean {
  return /\n\s+at .+[(:]\d+/.test(text) || /internal error/.test(text);
}
