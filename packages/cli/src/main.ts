#!/usr/bin/env node
import { runCli } from './cli.js';

/**
 * Exit codes: 0 all jobs done; 1 some jobs failed (their errors are in the store and printed);
 * 2 bad input (manifest, plugin, options, files) — reported as file:line:column: field: message;
 * 3 internal error (a bug: the stack trace is printed). See the CLI's README.
 */

// `naslab plan … | head` closes the pipe early: that is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

runCli(process.argv.slice(2)).then((code) => {
  // Bad input and internal errors end the process at once (open handles included); otherwise
  // pending output drains first.
  if (code >= 2) process.exit(code);
  process.exitCode = code;
});
