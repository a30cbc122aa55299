import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { tempDir, toyManifest, writeManifest } from '../helpers/cli.js';
import { naslabInProcess } from './in-process.js';

describe('a diverged training', () => {
  it('is recorded as diverged (train and evaluate), listed apart, and left out of the means and the RI', async () => {
    const dir = tempDir('naslab-diverged-');
    // The toy trainer diverges, at this absurd rate, on architectures of odd digit sum.
    const file = writeManifest(dir, 'm.yaml', toyManifest({ seeds: 3, outputs: 2 }).replace('protocol: { epochs: 3 }', 'protocol: { epochs: 3, learningRate: 1e9 }'));
    const r = await naslabInProcess(['run', file]);
    expect(r.code, r.stderr).toBe(0);
    const db = new Database(join(dir, 'results', 'naslab.db'), { readonly: true });
    const rows = db.prepare(`SELECT kind, status, error FROM jobs`).all() as { kind: string; status: string; error: string | null }[];
    db.close();
    const diverged = rows.filter((j) => j.status === 'diverged');
    const trains = diverged.filter((j) => j.kind === 'train');
    expect(trains.length).toBeGreaterThan(0);
    expect(diverged.filter((j) => j.kind === 'evaluate').length).toBe(trains.length);
    for (const j of diverged) expect(j.error).toBe('training diverged at epoch 2, step 4: the loss is NaN');
    // No diverged run is a done job, none failed, none was skipped.
    expect(rows.filter((j) => j.status === 'failed' || j.status === 'skipped')).toEqual([]);
    expect(r.stdout).toContain(`${trains.length} run${trains.length === 1 ? '' : 's'} diverged (left out of the means and the RI):`);
    expect(r.stdout).toMatch(new RegExp(`${trains.length * 2} diverged, 0 failed, 0 skipped`));
    // Rerun: diverged is final, nothing runs again.
    const again = await naslabInProcess(['run', file]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('(0 run now)');
  }, 60_000);
});
