import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cli.js';
import { hasStackTrace, naslabInProcess } from './in-process.js';

// Paths and flags given on the command line are input like a manifest's: a clear message naming
// the flag and exit 2, never an internal error.
describe('command-line paths and flags', () => {
  const dir = tempDir('naslab-args-');
  const folder = join(dir, 'a-folder');
  mkdirSync(folder);
  writeFileSync(join(dir, 'm.txt'), 'not a folder');
  const cases: Array<[string, string[], string]> = [
    ['analyze of a folder', ['analyze', '--results', folder], `--results: results file ${folder} is a folder`],
    ['analyze of a missing file', ['analyze', '--results', join(dir, 'none.csv')], 'does not exist'],
    ['analyze of /dev/zero', ['analyze', '--results', '/dev/zero'], 'a system folder'],
    ['report without a manifest or --paper', ['report'], 'name a study manifest, or pass --paper'],
    ['report --paper without --out', ['report', '--paper', folder], '--paper needs --out <folder>'],
    ['report --paper of a folder that is not the seed data', ['report', '--paper', folder, '--out', join(dir, 'out')], '--paper: the released results file'],
    ['schema --out a folder', ['schema', '--out', folder], `--out: ${folder} is a folder, not a file to write`],
    ['schema --out in a missing folder', ['schema', '--out', join(dir, 'none', 'schema.json')], 'does not exist'],
    ['new --dir under /proc (a recursive mkdir there never returns)', ['new', 'method', 'foo', '--dir', '/proc/naslab-x'], 'dir: /proc/naslab-x is under /proc'],
    ['new --dir that is a file', ['new', 'method', 'foo', '--dir', join(dir, 'm.txt')], 'is a file, not a folder'],
  ];
  it.each(cases)('%s: exit 2, the flag named, no stack trace', async (_, args, message) => {
    const r = await naslabInProcess(args);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(message);
    expect(hasStackTrace(r.stderr)).toBe(false);
  });
});
