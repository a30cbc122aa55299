import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { naslab, resultTables, tempDir, toyManifest, writeManifest } from './helpers/cli.js';

const table = resultTables;

describe('local executor', () => {
  it('gives the same results with 2 worker processes as in-process', () => {
    const a = tempDir();
    const b = tempDir();
    const inProcess = naslab(['run', writeManifest(a, 's.yaml', toyManifest({ seeds: 2, outputs: 2 })), '--quiet']);
    const workers = naslab(['run', writeManifest(b, 's.yaml', toyManifest({ seeds: 2, outputs: 2 })), '--quiet', '--workers', '2']);
    expect(inProcess.code, inProcess.stderr).toBe(0);
    expect(workers.code, workers.stderr).toBe(0);
    expect(table(workers.stdout)).toEqual(table(inProcess.stdout));
    expect(table(workers.stdout)).toMatch(/random-sampling\s+4\s/);
  });

  it('records a failing job, skips its dependents, finishes independent jobs, exits 1', () => {
    const dir = tempDir();
    const file = writeManifest(dir, 's.yaml', toyManifest({ seeds: 2, outputs: 2, failOnSeed: 1 }));
    const r = naslab(['run', file, '--quiet']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/toy method told to fail on seed 1/);
    const [s] = JSON.parse(naslab(['status', file, '--json']).stdout) as { done: number; failed: number; skipped: number; total: number; failures: { error: string }[] }[];
    // random-sampling seed 1: its search failed (1), its 2 trains + 2 evaluates skipped (4).
    expect(s).toMatchObject({ failed: 1, skipped: 4, done: s!.total - 5 });
    expect(s!.failures[0]!.error).toMatch(/fail on seed 1/);
    // A rerun does not retry the failure (it is bad input, not bad luck)...
    const again = naslab(['run', file, '--quiet']);
    expect(again.code).toBe(1);
    expect(again.stdout).toMatch(/\(0 run now\)/);
    // ...unless asked to.
    const retry = naslab(['run', file, '--quiet', '--retry-failed']);
    expect(retry.code).toBe(1);
    expect(retry.stdout).toMatch(/\(1 run now\)/);
    void join;
  });
});
