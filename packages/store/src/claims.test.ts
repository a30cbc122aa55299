import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { InMemoryResultStore, runnerGone, runnerId, type PlannedJob, type Provenance, type ResultStore } from '@naslab/core';
import { SqliteResultStore } from './sqlite-store.js';

const provenance: Provenance = { plugins: {}, core: '0.1.0', manifestHash: 'h', node: process.version, host: { platform: 'linux', arch: 'x64', cpus: 2 } };
const job = (id: string): PlannedJob => ({ id, kind: 'search', parents: [], dataset: 'd', method: 'm', seed: 0, spec: { id } });
const never = () => false;

function fresh(kind: 'sqlite' | 'memory'): Required<Pick<ResultStore, 'claimJob' | 'renewLease' | 'releaseJob' | 'attemptHistory'>> & ResultStore {
  const dir = mkdtempSync(join(tmpdir(), 'naslab-claims-'));
  const store = kind === 'sqlite' ? new SqliteResultStore(dir) : new InMemoryResultStore(dir);
  store.saveStudy({ name: 's', manifestFile: 'm.yaml', manifestHash: 'h', createdAt: 'now', jobIds: ['a', 'b'] }, [job('a'), job('b')]);
  return store as never;
}

describe.each(['sqlite', 'memory'] as const)('claims and leases (%s store)', (kind) => {
  it('a claimed job is no one else’s until its lease expires; the cut attempt is then interrupted', () => {
    const store = fresh(kind);
    expect(store.claimJob('a', 'h1:1:x', 60_000, never)).toEqual({ claimed: true, attempts: 0, interrupted: 0 });
    store.startJob('a', provenance, 'h1:1:x');
    const taken = store.claimJob('a', 'h2:2:y', 60_000, never);
    expect(taken).toMatchObject({ claimed: false, status: 'running', lease: { owner: 'h1:1:x' } });
    expect(store.renewLease('a', 'h1:1:x', 60_000)).toBe(true);
    expect(store.renewLease('a', 'h2:2:y', 60_000)).toBe(false);

    // The holder stops renewing (it died): once the lease has expired, another runner takes it.
    expect(store.claimJob('a', 'h3:3:z', 60_000, never).claimed).toBe(false);
    store.claimJob('b', 'h1:1:x', -1, never);
    store.startJob('b', provenance, 'h1:1:x');
    expect(store.claimJob('b', 'h2:2:y', 60_000, never)).toEqual({ claimed: true, attempts: 1, interrupted: 1 });
    expect(store.getJob('b')).toMatchObject({ status: 'running', attempts: 1, interrupted: 1, lease: { owner: 'h2:2:y' } });
    // The old holder's lease is gone: it cannot renew, and it learns it lost the job.
    expect(store.renewLease('b', 'h1:1:x', 60_000)).toBe(false);
    const [cut] = store.attemptHistory('b');
    expect(cut).toMatchObject({ n: 1, owner: 'h1:1:x', outcome: 'interrupted' });
    expect(cut!.error).toMatch(/its runner \(h1:1:x\) stopped without recording an outcome/);
  });

  it('a holder judged gone loses its claim at once, without waiting the lease out', () => {
    const store = fresh(kind);
    store.claimJob('a', 'h1:1:x', 3_600_000, never);
    store.startJob('a', provenance, 'h1:1:x');
    expect(store.claimJob('a', 'h2:2:y', 60_000, (o) => o === 'h1:1:x')).toMatchObject({ claimed: true, interrupted: 1 });
  });

  it('finished, failed and stopped attempts end the lease; history survives --retry-failed', () => {
    const store = fresh(kind);
    store.claimJob('a', 'o:1:x', 60_000, never);
    store.startJob('a', provenance, 'o:1:x');
    store.failJob('a', 'boom', 1);
    expect(store.getJob('a')!.lease).toBeUndefined();
    expect(store.claimJob('a', 'o:2:x', 60_000, never)).toMatchObject({ claimed: false, status: 'failed' });
    store.resetJob('a');
    expect(store.getJob('a')).toMatchObject({ status: 'pending', attempts: 0, interrupted: 0 });
    store.claimJob('a', 'o:2:x', 60_000, never);
    store.startJob('a', provenance, 'o:2:x');
    // Ctrl-C: interrupted in the history, pending again, claimable at once, not counted as a death.
    store.releaseJob('a', 'o:2:x', 'interrupted by SIGINT');
    expect(store.getJob('a')).toMatchObject({ status: 'pending', interrupted: 0 });
    expect(store.claimJob('a', 'o:3:x', 60_000, never)).toMatchObject({ claimed: true, interrupted: 0 });
    store.startJob('a', provenance, 'o:3:x');
    store.finishJob('a', { ok: true }, 2);
    expect(store.getJob('a')).toMatchObject({ status: 'done', attempts: 2 });
    expect(store.getJob('a')!.lease).toBeUndefined();
    expect(store.attemptHistory('a').map((h) => [h.n, h.owner, h.outcome, h.error ?? null])).toEqual([
      [1, 'o:1:x', 'failed', 'boom'],
      [2, 'o:2:x', 'interrupted', 'interrupted by SIGINT'],
      [3, 'o:3:x', 'done', null],
    ]);
    expect(store.attemptHistory('a').every((h) => h.endedAt && h.startedAt <= h.endedAt)).toBe(true);
  });
});

describe('runner ids', () => {
  it('a dead process on this host is gone; a live one, and any on another host, are not', () => {
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    expect(runnerGone(`${hostname()}:${dead}:ab12`)).toBe(true);
    expect(runnerGone(runnerId())).toBe(false);
    expect(runnerGone(`${hostname()}:${process.pid}:other`)).toBe(true); // this pid, another process's random part
    expect(runnerGone(`another-host:${dead}:ab12`)).toBe(false);
    expect(runnerId()).toMatch(new RegExp(`^${hostname()}:${process.pid}:[0-9a-f]{8}$`));
  });
});

describe('two processes claiming the same jobs', () => {
  it('each job is claimed by exactly one of them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'naslab-claims-'));
    const ids = Array.from({ length: 300 }, (_, i) => `j${i}`);
    const store = new SqliteResultStore(dir);
    store.saveStudy({ name: 's', manifestFile: 'm.yaml', manifestHash: 'h', createdAt: 'now', jobIds: ids }, ids.map(job));
    store.close();
    // Both wait for the same moment, then race over every job in the same order.
    const startAt = Date.now() + 1500;
    const script = `
      const { SqliteResultStore } = await import(${JSON.stringify(new URL('../dist/sqlite-store.js', import.meta.url).href)});
      const s = new SqliteResultStore(${JSON.stringify(dir)});
      while (Date.now() < ${startAt});
      const won = [];
      for (const id of ${JSON.stringify(ids)}) if (s.claimJob(id, 'h:' + process.pid + ':r', 60000, () => false).claimed) won.push(id);
      process.stdout.write(won.join(' '));`;
    const run = () =>
      new Promise<string[]>((resolve, reject) => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', script]);
        let out = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (out += d));
        child.on('close', (code) => (code === 0 ? resolve(out.split(' ').filter(Boolean)) : reject(new Error(out))));
      });
    const [a, b] = await Promise.all([run(), run()]);
    expect([...a, ...b].sort()).toEqual([...ids].sort());
    expect(a.filter((id) => b.includes(id))).toEqual([]);
    const db = new Database(join(dir, 'naslab.db'), { readonly: true });
    expect((db.prepare(`SELECT COUNT(*) AS n FROM jobs WHERE status = 'running' AND lease_owner IS NOT NULL`).get() as { n: number }).n).toBe(300);
    db.close();
  });
});

describe('a store of schema 1', () => {
  it('is upgraded in place: its jobs kept, claims and the history then work', () => {
    const dir = mkdtempSync(join(tmpdir(), 'naslab-claims-'));
    const db = new Database(join(dir, 'naslab.db'));
    db.exec(`CREATE TABLE studies (name TEXT PRIMARY KEY, manifest_file TEXT NOT NULL, manifest_hash TEXT NOT NULL, created_at TEXT NOT NULL, job_ids TEXT NOT NULL);
      CREATE TABLE jobs (id TEXT PRIMARY KEY, kind TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, started_at TEXT, finished_at TEXT, seconds REAL, error TEXT, result TEXT, provenance TEXT, spec TEXT NOT NULL);
      CREATE TABLE epochs (job_id TEXT NOT NULL, epoch INTEGER NOT NULL, metrics TEXT NOT NULL, PRIMARY KEY (job_id, epoch));
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      INSERT INTO meta VALUES ('schema', '1');
      INSERT INTO jobs (id, kind, status, attempts, result, spec) VALUES ('a', 'search', 'done', 1, '{"x":1}', '{}'), ('b', 'search', 'running', 2, NULL, '{}');`);
    db.close();
    const store = new SqliteResultStore(dir);
    expect(store.getJob('a')).toMatchObject({ status: 'done', result: { x: 1 }, interrupted: 0 });
    // A job left running by schema 1's runner has no lease: it is claimable.
    expect(store.claimJob('b', 'o:1:x', 60_000, never)).toMatchObject({ claimed: true, attempts: 2 });
    store.startJob('b', provenance, 'o:1:x');
    expect(store.attemptHistory('b')).toMatchObject([{ n: 1, outcome: 'running', owner: 'o:1:x' }]);
    store.close();
    const meta = new Database(join(dir, 'naslab.db'), { readonly: true });
    expect(meta.prepare(`SELECT value FROM meta WHERE key = 'schema'`).get()).toEqual({ value: '2' });
    meta.close();
  });
});
