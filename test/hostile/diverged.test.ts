import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { tempDir, toyManifest, writeManifest } from '../helpers/cli.js';
import { naslabInProcess } from './in-process.js';

/** The parts of the report's `report-data.json` this test reads. */
interface ReportData {
  ri?: { rows: { nRandom: number; nMethod: number }[] };
  diverged?: { counted: string; runs: { epoch?: number; step?: number }[] };
  distributions?: { accuracy: number }[];
}

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
    expect(again.stdout).toMatch(/toy0\/(random-sampling|foo)\/seed \d #\d \(base\): epoch 2, step 4 — training diverged/);

    // The report lists them (method, seed, epoch, step) and its RI counts only the runs that trained.
    const reportDir = join(dir, 'results', 'reports', 'toy-study');
    const evaluations = rows.filter((j) => j.kind === 'evaluate');
    const counted = (data: ReportData) => data.ri!.rows.reduce((n, r) => n + r.nMethod, 0) + data.ri!.rows[0]!.nRandom;
    const excluded = JSON.parse(readFileSync(join(reportDir, 'report-data.json'), 'utf8')) as ReportData;
    expect(excluded.diverged?.counted).toBe('exclude');
    expect(excluded.diverged?.runs).toHaveLength(trains.length);
    expect(excluded.diverged?.runs.every((r) => r.epoch === 2 && r.step === 4)).toBe(true);
    expect(counted(excluded)).toBe(evaluations.length - trains.length);
    const html = readFileSync(join(reportDir, 'index.html'), 'utf8');
    expect(html).toContain('<h2 id="diverged">Diverged runs</h2>');
    expect(html).toContain(`${trains.length} run${trains.length === 1 ? '' : 's'} diverged (the loss became NaN or ∞): listed apart and left out of the means and the RI`);

    // Reports go only into folders naslab owns: its own carries the marker, a foreign one is refused untouched.
    expect(readFileSync(join(reportDir, '.naslab-report'), 'utf8')).toContain('naslab report');
    const foreign = join(dir, 'mine');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'index.html'), 'my own page');
    writeFileSync(join(foreign, 'notes.txt'), 'mine');
    const refused = await naslabInProcess(['report', file, '--out', foreign]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${foreign} holds files naslab did not write (notes.txt); a report would overwrite them`);
    expect(readFileSync(join(foreign, 'index.html'), 'utf8')).toBe('my own page');

    // `report.diverged: chance` counts them at 100 / classes (the toy dataset has 2) — a report option, nothing reruns.
    writeManifest(dir, 'm.yaml', `${readFileSync(file, 'utf8')}report: { diverged: chance }\n`);
    const chance = await naslabInProcess(['report', file, '--resamples', '100', '--permutations', '100']);
    expect(chance.code, chance.stderr).toBe(0);
    const included = JSON.parse(readFileSync(join(reportDir, 'report-data.json'), 'utf8')) as ReportData;
    expect(included.diverged?.counted).toBe('chance');
    expect(counted(included)).toBe(evaluations.length);
    expect(included.distributions?.filter((p) => p.accuracy === 50)).toHaveLength(trains.length);
  }, 60_000);
});
