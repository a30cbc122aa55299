import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PlannedJob, Provenance } from '@naslab/core';
import { SqliteResultStore, STORE_MARKER } from './sqlite-store.js';

const provenance: Provenance = {
  plugins: { '@naslab/method-x': '1.0.0' },
  core: '0.1.0',
  manifestHash: 'abc',
  node: process.version,
  host: { platform: 'linux', arch: 'x64', cpus: 2 },
};
const job = (id: string, parents: string[] = []): PlannedJob => ({ id, kind: 'search', parents, dataset: 'd', method: 'm', seed: 0, spec: { id } });

describe('SqliteResultStore', () => {
  it('keeps finished jobs across reopen and never resets them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'naslab-store-'));
    const a = new SqliteResultStore(dir);
    a.saveStudy({ name: 's', manifestFile: 'm.yaml', manifestHash: 'h', createdAt: 'now', jobIds: ['j1', 'j2'] }, [job('j1'), job('j2')]);
    expect(a.startJob('j1', provenance)).toBe(1);
    a.recordEpoch('j1', { epoch: 0, lr: 0.1, trainLoss: 1, trainAccuracy: 50, seconds: 1 });
    a.finishJob('j1', { acc: 91.5 }, 2.5, { ...provenance, backend: 'cpu' });
    expect(a.startJob('j2', provenance)).toBe(1);
    a.close();

    const b = new SqliteResultStore(dir);
    // Saving the same plan again must not touch finished jobs.
    b.saveStudy({ name: 's', manifestFile: 'm.yaml', manifestHash: 'h', createdAt: 'later', jobIds: ['j1', 'j2'] }, [job('j1'), job('j2')]);
    const j1 = b.getJob('j1')!;
    expect(j1.status).toBe('done');
    expect(j1.result).toEqual({ acc: 91.5 });
    expect(j1.provenance?.backend).toBe('cpu');
    expect(b.epochs('j1')).toHaveLength(1);
    // The job that was running when the process died is still 'running' with one attempt.
    expect(b.getJob('j2')).toMatchObject({ status: 'running', attempts: 1 });
    expect(b.startJob('j2', provenance)).toBe(2);
    b.resetJob('j1');
    expect(b.getJob('j1')!.status).toBe('done');
    b.failJob('j2', 'boom', 0.1);
    expect(b.getJob('j2')).toMatchObject({ status: 'failed', error: 'boom' });
    b.resetJob('j2');
    expect(b.getJob('j2')).toMatchObject({ status: 'pending', attempts: 0 });
    expect(b.getStudy('s')!.jobIds).toEqual(['j1', 'j2']);
    b.close();
  });

  it('lets several connections write concurrently (WAL + busy timeout)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'naslab-store-'));
    const a = new SqliteResultStore(dir);
    const b = new SqliteResultStore(dir);
    const jobs = Array.from({ length: 50 }, (_, i) => job(`j${i}`));
    a.saveStudy({ name: 's', manifestFile: 'm', manifestHash: 'h', createdAt: 'now', jobIds: jobs.map((j) => j.id) }, jobs);
    for (let i = 0; i < 50; i++) (i % 2 ? a : b).finishJob(`j${i}`, i, 0);
    expect(jobs.every((j, i) => a.getJob(j.id)?.result === i)).toBe(true);
    a.close();
    b.close();
  });

  it('writes only into folders that are naslab’s: new or empty ones (marked), marked ones, and older stores recognised by their database', () => {
    const root = mkdtempSync(join(tmpdir(), 'naslab-store-'));
    // A missing folder and an empty one become stores, marked as naslab's.
    const fresh = join(root, 'fresh');
    const empty = join(root, 'empty');
    mkdirSync(empty);
    for (const dir of [fresh, empty]) {
      new SqliteResultStore(dir).close();
      expect(readdirSync(dir)).toContain(STORE_MARKER);
    }
    // A store an older naslab wrote (no marker) is recognised by its tables and kept.
    const old = new SqliteResultStore(join(root, 'old'));
    old.saveStudy({ name: 's', manifestFile: 'm', manifestHash: 'h', createdAt: 'now', jobIds: ['j1'] }, [job('j1')]);
    old.finishJob('j1', 42, 1);
    old.close();
    rmSync(join(root, 'old', STORE_MARKER));
    const reopened = new SqliteResultStore(join(root, 'old'));
    expect(reopened.getJob('j1')?.result).toBe(42);
    reopened.close();
    expect(existsSync(join(root, 'old', STORE_MARKER))).toBe(true);

    // Someone else's folder, and one whose naslab.db is empty: refused, nothing written.
    const foreign = join(root, 'foreign');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'notes.txt'), 'mine');
    expect(() => new SqliteResultStore(foreign)).toThrow(/a folder naslab did not create \(it holds notes\.txt, and no naslab\.db or \.naslab-store marker\)/);
    expect(readdirSync(foreign)).toEqual(['notes.txt']);
    writeFileSync(join(foreign, 'naslab.db'), '');
    expect(() => new SqliteResultStore(foreign)).toThrow(/an empty database in a folder naslab did not create/);
    expect(readdirSync(foreign).sort()).toEqual(['naslab.db', 'notes.txt']);
  });
});

