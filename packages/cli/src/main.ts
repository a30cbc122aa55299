#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { CORE_VERSION, ExitCode, InputError } from '@naslab/core';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { commands } from './commands/index.js';

/**
 * Exit codes: 0 all jobs done; 1 some jobs failed (their errors are in the store and printed);
 * 2 bad input (manifest, plugin, options, files) — reported as file:line:column: field: message;
 * 3 internal error (a bug: the stack trace is printed). See the CLI's README.
 */
async function main(argv: string[]) {
  let cli = yargs(argv)
    .scriptName('naslab')
    .usage('$0 <command> [options]\n\nFair NAS experiments: search, train from scratch, relative improvement over random sampling.')
    .epilogue('Exit codes: 0 ok, 1 job failures, 2 bad input, 3 internal error.')
    .strict()
    .demandCommand(1, 'name a command')
    .recommendCommands()
    .help()
    .version(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version} (@naslab/core ${CORE_VERSION})`)
    .fail((msg, err) => {
      if (err) throw err;
      throw new UsageError(msg);
    });
  for (const c of commands) cli = cli.command(c);
  await cli.parseAsync();
}

class UsageError extends Error {}

// `naslab plan … | head` closes the pipe early: that is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

main(hideBin(process.argv)).catch((e: unknown) => {
  if (e instanceof InputError) {
    process.stderr.write(`error: ${e.message.split('\n').join('\nerror: ')}\n`);
    process.exit(ExitCode.badInput);
  }
  if (e instanceof UsageError) {
    process.stderr.write(`${e.message}\nRun naslab --help for usage.\n`);
    process.exit(ExitCode.badInput);
  }
  process.stderr.write(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(ExitCode.internalError);
});
