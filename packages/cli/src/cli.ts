import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { commandNamed, commands } from './commands/index.js';
import { EPILOGUE, topLevelHelp, USAGE } from './help-text.js';

/**
 * The `naslab` command as a function: runs one command line and resolves to its exit code
 * (0 all jobs done; 1 some jobs failed; 2 bad input, printed as file:line:column: field: message;
 * 3 internal error, with the stack trace). `main.ts` exits with it; tests call it in-process.
 *
 * Start-up stays short: `--version` and `--help` print without yargs (`--version` reads two
 * package.json files and nothing else); `validate <manifest>` alone runs its handler without
 * yargs; otherwise only yargs and the one command named on the line are imported.
 */
export async function runCli(argv: string[]): Promise<number> {
  process.exitCode = undefined;
  try {
    await parse(argv);
    return Number(process.exitCode ?? 0);
  } catch (e: unknown) {
    // Core is loaded by then whenever it could have thrown its InputError.
    const { ExitCode, InputError } = await import('@naslab/core');
    if (e instanceof UsageError) {
      process.stderr.write(`${e.message}\nRun naslab --help for usage.\n`);
      return ExitCode.badInput;
    }
    if (e instanceof InputError) {
      process.stderr.write(`error: ${e.message.split('\n').join('\nerror: ')}\n`);
      return ExitCode.badInput;
    }
    process.stderr.write(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return ExitCode.internalError;
  }
}

/** `0.1.0 (@naslab/core 0.1.0)`: this CLI's version and the core it runs on. */
function versionText(): string {
  const version = (file: string | URL) => JSON.parse(readFileSync(file, 'utf8')).version as string;
  const core = createRequire(import.meta.url).resolve('@naslab/core/package.json');
  return `${version(new URL('../package.json', import.meta.url))} (@naslab/core ${version(core)})`;
}

async function parse(argv: string[]) {
  if (argv.length === 1 && argv[0] === '--version') {
    process.stdout.write(`${versionText()}\n`);
    return;
  }
  if (argv.length === 1 && argv[0] === '--help' && helpTextApplies()) {
    process.stdout.write(topLevelHelp(commands));
    return;
  }
  // The one positional and nothing else: what yargs would hand the handler, without loading it.
  if (argv.length === 2 && argv[0] === 'validate' && !argv[1]!.startsWith('-')) {
    const { default: validate } = await import('./commands/validate.js');
    await validate.handler({ _: ['validate'], $0: 'naslab', manifest: argv[1]! });
    return;
  }
  await (await yargsCli(argv)).parseAsync();
}

/**
 * Whether `naslab --help` written without yargs is what yargs would print here: yargs wraps to a
 * terminal narrower than 80 columns, not at all under YARGS_DISABLE_WRAP, and speaks the
 * locale's language (the environment variables it reads, in its order); those cases are its.
 */
export function helpTextApplies(env: NodeJS.ProcessEnv = process.env, columns = process.stdout.columns): boolean {
  const locale = env.LC_ALL || env.LC_MESSAGES || env.LANG || env.LANGUAGE || 'en_US';
  return (columns ?? 80) >= 80 && !env.YARGS_DISABLE_WRAP && /^(en|C|POSIX)([_.:@-]|$)/.test(locale);
}

/** The yargs parser of `argv`: every command by usage, the one it names (if any) with its module. */
export async function yargsCli(argv: string[]) {
  const { default: yargs } = await import('yargs');
  let cli = yargs(argv)
    .scriptName('naslab')
    .usage(USAGE)
    .epilogue(EPILOGUE)
    .strict()
    .demandCommand(1, 'name a command')
    .recommendCommands()
    .help()
    .version(versionText())
    .fail((msg, err) => {
      if (err) throw err;
      throw new UsageError(msg);
    });
  // Only the command named first is imported; the others are known by usage and description.
  const named = commandNamed(argv.find((a) => !a.startsWith('-')));
  for (const c of commands) {
    cli = c === named ? cli.command((await c.load()).default) : cli.command(c.command, c.describe, {}, () => {});
  }
  return cli;
}

class UsageError extends Error {}
