import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliMain, naslab, naslabAsync, repoRoot, resultTables, tempDir, toyManifest, writeManifest } from './helpers/cli.js';

const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : []);

interface StatusRow {
  done: number;
  total: number;
  running: number;
}

const resultTable = resultTables;

describe('a study killed with SIGKILL resumes without redoing finished work', () => {
  it('reruns only the job in flight and ends with the same results as an uninterrupted run', async () => {
    const manifest = toyManifest({ name: 'resume', seeds: 3, outputs: 2, epochs: 4, epochSeconds: 0.1 });

    // Reference: uninterrupted, in its own store, side by side with the killed run (its trainer
    // mostly sleeps); read only once the resumed run is done.
    const refDir = tempDir();
    const refLog = join(refDir, 'runs.log');
    const refRun = naslabAsync(['run', writeManifest(refDir, 'study.yaml', manifest)], { env: { NASLAB_FIXTURE_LOG: refLog } });

    // Killed mid-run, then resumed.
    const dir = tempDir();
    const file = writeManifest(dir, 'study.yaml', manifest);
    const log = join(dir, 'runs.log');
    const child = spawn(process.execPath, [cliMain, 'run', file, '--quiet'], { cwd: repoRoot, env: { ...process.env, CI: '1', NASLAB_FIXTURE_LOG: log }, stdio: 'ignore' });
    // Wait until a few trainings have started, then kill without warning.
    const deadline = Date.now() + 60_000;
    while (lines(log).filter((l) => l.startsWith('train-start')).length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    await new Promise((r) => child.on('exit', r));
    const before = JSON.parse(naslab(['status', file, '--json']).stdout) as StatusRow[];
    expect(before[0]!.done).toBeGreaterThan(0);
    expect(before[0]!.done).toBeLessThan(before[0]!.total);
    const startsBefore = lines(log).length;

    const resumed = naslab(['run', file], { env: { NASLAB_FIXTURE_LOG: log } });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(new RegExp(`${before[0]!.done} already done`));

    const ref = await refRun;
    expect(ref.code, ref.stderr).toBe(0);

    // Every search and every training ran exactly once, except the one training in flight
    // at the kill, which ran twice (resuming from its last epoch checkpoint).
    const counts = new Map<string, number>();
    for (const l of lines(log)) counts.set(l, (counts.get(l) ?? 0) + 1);
    const refCounts = new Map<string, number>();
    for (const l of lines(refLog)) refCounts.set(l, (refCounts.get(l) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual([...refCounts.keys()].sort());
    const repeated = [...counts.entries()].filter(([, n]) => n > 1);
    expect(repeated.length).toBeLessThanOrEqual(1);
    for (const [what, n] of repeated) {
      expect(what).toMatch(/^train-start/);
      expect(n).toBe(2);
    }
    expect(lines(log).length).toBeGreaterThan(startsBefore);

    // Same final results as the uninterrupted run.
    expect(resultTable(resumed.stdout)).toEqual(resultTable(ref.stdout));
    const after = JSON.parse(naslab(['status', file, '--json']).stdout) as StatusRow[];
    expect(after[0]).toMatchObject({ done: after[0]!.total, running: 0 });

    // A third run does nothing at all.
    const again = naslab(['run', file], { env: { NASLAB_FIXTURE_LOG: log } });
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/\(0 run now\)/);
  });
});
