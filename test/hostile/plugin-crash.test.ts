import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { naslabAsync, repoRoot, tempDir, toyManifest, writeManifest } from '../helpers/cli.js';
import { hasStackTrace } from './in-process.js';

const misbehave = join(repoRoot, 'test', 'local-plugins', 'method-misbehave');
const hows = ['exit', 'exit-caught', 'throw-later', 'reject', 'abort', 'kill-self'] as const;
/** Kills that do not end the process (a child's, the existence check): the job is done. */
const harmless = ['kill-other'] as const;

/** A toy study with one method per way of breaking the process, beside two that behave. */
function manifest(workers: number, only: readonly string[], passing: readonly string[] = harmless): string {
  const extra = [...only, ...passing].map((how) => `  - id: '${misbehave}'\n    name: ${how}\n    options: { how: ${how} }\n`).join('');
  return toyManifest({ seeds: 1, outputs: 1, workers, extraMethods: extra });
}

function jobsOf(dir: string): { kind: string; method: string; status: string; error: string | null }[] {
  const db = new Database(join(dir, 'results', 'naslab.db'), { readonly: true });
  const rows = (db.prepare('SELECT kind, status, error, spec FROM jobs').all() as { kind: string; status: string; error: string | null; spec: string }[]).map((r) => ({
    kind: r.kind,
    status: r.status,
    error: r.error,
    method: methodOf(JSON.parse(r.spec) as Parameters<typeof methodOf>[0]),
  }));
  db.close();
  return rows;
}

/** The misbehaving method's `how`, or the package of a method that behaves. */
function methodOf(spec: { method?: { package: string; options: { how?: string } } }): string {
  return spec.method ? (spec.method.options.how ?? spec.method.package) : '(train or evaluate)';
}

describe('plugin code that ends or breaks the process', () => {
  it('fails its own job with what it did, and the study goes on (in-process)', async () => {
    const dir = tempDir('naslab-crash-');
    const file = writeManifest(dir, 'm.yaml', manifest(1, hows));
    const r = await naslabAsync(['run', file, '--quiet']);
    expect(r.code, r.stderr).toBe(1);
    expect(hasStackTrace(r.stdout + r.stderr), r.stderr).toBe(false);
    const rows = jobsOf(dir);
    const search = (m: string) => rows.find((j) => j.kind === 'search' && j.method === m);
    const said: Record<(typeof hows)[number], RegExp> = {
      exit: /^plugin code called process\.exit\(7\) during the job/,
      'exit-caught': /^plugin code called process\.exit\(7\) during the job/,
      'throw-later': /^uncaught exception thrown asynchronously by plugin code: misbehave: thrown from a timer/,
      reject: /^unhandled promise rejection in plugin code: misbehave: a rejection nobody handles/,
      abort: /^plugin code called process\.abort\(\) during the job/,
      'kill-self': /^plugin code called process\.kill\(\d+, SIGKILL\) on its own process during the job/,
    };
    for (const how of hows) {
      expect(search(how)?.status, how).toBe('failed');
      expect(search(how)?.error, how).toMatch(said[how]);
    }
    // The methods that behave, and the one whose kills spare its process, ran to the end (search,
    // train, evaluate each); nothing is left running.
    const count = (status: string) => rows.filter((j) => j.status === status).length;
    const fine = 2 + harmless.length;
    expect([count('done'), count('failed'), count('skipped'), rows.length]).toEqual([3 * fine, hows.length, 2 * hows.length, 3 * (fine + hows.length)]);
    for (const j of rows.filter((j) => j.kind === 'search' && (j.method.startsWith('@') || harmless.includes(j.method as never)))) expect(j.status, j.method).toBe('done');
    expect(r.stdout).toContain(`${hows.length} failed, ${2 * hows.length} skipped`);
  }, 60_000);

  it('with --workers 2, a job whose worker process is killed (or aborts) fails alone; the others finish and the table is printed', async () => {
    const dir = tempDir('naslab-crash-');
    // Each job starts a worker process: only the two that break it, beside the two that behave.
    const file = writeManifest(dir, 'm.yaml', manifest(2, ['kill-9-outside', 'abort'], []));
    const r = await naslabAsync(['run', file]);
    expect(r.code, r.stderr).toBe(1);
    expect(hasStackTrace(r.stdout + r.stderr), r.stderr).toBe(false);
    const rows = jobsOf(dir);
    const search = (m: string) => rows.find((j) => j.kind === 'search' && j.method === m);
    // Nothing in the process can catch a SIGKILL: the executor records how its worker ended.
    expect(search('kill-9-outside')).toMatchObject({ status: 'failed', error: 'worker process exited with SIGKILL before recording a result' });
    // The worker's own guard catches process.abort and records it as the job's failure.
    expect(search('abort')?.status).toBe('failed');
    expect(search('abort')?.error).toMatch(/^plugin code called process\.abort\(\) during the job/);
    const count = (status: string) => rows.filter((j) => j.status === status).length;
    expect([count('done'), count('failed'), count('skipped'), rows.length]).toEqual([6, 2, 4, 12]);
    // The table of what finished: both methods that behave, the two that broke listed as failed.
    expect(r.stdout).toMatch(/\n\S+\s+base\s+random-sampling\s+1\s+\d+\.\d\d ± 0\.00/);
    expect(r.stdout).toMatch(/\n\S+\s+base\s+foo\s+1\s+\d+\.\d\d ± 0\.00/);
    expect(r.stdout).toContain('6/12 jobs done');
    expect(r.stdout).toContain('2 failed, 4 skipped');
    expect(r.stderr).toMatch(/failed search \S+: worker process exited with SIGKILL before recording a result/);
  }, 60_000);
});

