import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Submissions, withSubmissionLock } from './submissions.js';

describe('submissions and their lock', () => {
  it('keeps what was submitted across processes (a file written atomically)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'naslab-subs-'));
    const a = new Submissions(dir);
    a.jobs.set('t-1', { task: '12_3', array: '12', index: 3, kind: 'train', parents: ['s-1'], submittedAt: 'now', log: 'x.out' });
    a.save();
    expect(new Submissions(dir).jobs.get('t-1')).toMatchObject({ task: '12_3', parents: ['s-1'] });
  });

  it('lets one holder at a time in, and takes over a lock whose process is gone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'naslab-subs-'));
    const order: string[] = [];
    const hold = (name: string) =>
      withSubmissionLock(dir, async () => {
        order.push(`${name} in`);
        await new Promise((r) => setTimeout(r, 50));
        order.push(`${name} out`);
      });
    await Promise.all([hold('a'), hold('b')]);
    expect(order).toEqual(['a in', 'a out', 'b in', 'b out']);

    // A lock left by a process that died (this host, a pid that does not exist).
    mkdirSync(join(dir, 'slurm', 'lock'));
    writeFileSync(join(dir, 'slurm', 'lock', 'owner'), JSON.stringify({ host: hostname(), pid: 2 ** 22 + 12345, at: 'then' }));
    expect(await withSubmissionLock(dir, async () => 'taken over', { waitSeconds: 1 })).toBe('taken over');
  });

  it('says who holds a live lock when waiting gives up', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'naslab-subs-'));
    mkdirSync(join(dir, 'slurm', 'lock'), { recursive: true });
    writeFileSync(join(dir, 'slurm', 'lock', 'owner'), JSON.stringify({ host: hostname(), pid: process.pid, at: 'now' }));
    await expect(withSubmissionLock(dir, async () => 1, { waitSeconds: 0.2 })).rejects.toThrow(/another naslab process holds .*lock.*"pid":\d+/);
  });
});
