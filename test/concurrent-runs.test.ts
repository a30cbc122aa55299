import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { naslabAsync, resultTables, tempDir, toyManifest, writeManifest } from './helpers/cli.js';

const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : []);

describe('two `naslab run` on one store', () => {
  it('claim each job before running it: no job runs twice, both print the whole table', async () => {
    const dir = tempDir();
    const file = writeManifest(dir, 'study.yaml', toyManifest({ name: 'concurrent', seeds: 3, outputs: 2, epochs: 3, epochSeconds: 0.2 }));
    const log = join(dir, 'runs.log');
    const [a, b] = await Promise.all([0, 1].map(() => naslabAsync(['run', file], { env: { NASLAB_FIXTURE_LOG: log } })));
    expect(a!.code, a!.stderr).toBe(0);
    expect(b!.code, b!.stderr).toBe(0);

    // Every search and every training started once (the fixtures log each start).
    const starts = lines(log);
    expect(starts.filter((l) => l.startsWith('train-start'))).toHaveLength(9);
    expect(new Set(starts).size).toBe(starts.length);
    // The store agrees: one attempt per job, each done, by one runner or the other.
    const db = new Database(join(dir, 'results', 'naslab.db'), { readonly: true });
    const attempts = db.prepare(`SELECT job_id, COUNT(*) AS n, MIN(outcome) AS outcome FROM attempts GROUP BY job_id`).all() as { job_id: string; n: number; outcome: string }[];
    const owners = db.prepare(`SELECT DISTINCT owner FROM attempts`).all() as { owner: string }[];
    db.close();
    expect(attempts).toHaveLength(24);
    expect(attempts.every((r) => r.n === 1 && r.outcome === 'done')).toBe(true);
    // Both worked (the jobs take 0.6 s each, the two start together), and the run counts add up.
    expect(owners).toHaveLength(2);
    const ranNow = (out: string) => Number(/\((\d+) run now\)/.exec(out)?.[1]);
    expect(ranNow(a!.stdout) + ranNow(b!.stdout)).toBe(24);
    // The one that finished first waited for the other's jobs: both tables are complete and equal.
    expect(resultTables(a!.stdout)).toEqual(resultTables(b!.stdout));
    expect(a!.stdout).toMatch(/24\/24 jobs done/);
    expect(b!.stdout).toMatch(/24\/24 jobs done/);
    expect(`${a!.stderr}${b!.stderr}`).toMatch(/running elsewhere \(another naslab run on this store: [^)]+\); waiting for them/);
  });
});
