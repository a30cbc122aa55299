import { type PlannedJob, StudyEvents } from '@naslab/core';
import { describe, expect, it } from 'vitest';
import { attachProgress, formatDuration, formatTimes, formatTimeSummary, JobTimes } from './progress.js';

function job(id: string, kind: PlannedJob['kind'], method = 'darts', index?: number): PlannedJob {
  return { id, kind, parents: [], dataset: 'toy', method, seed: 0, spec: { protocol: { epochs: 4 } }, ...(index !== undefined ? { index } : {}) };
}

/** A clock the test moves by hand (milliseconds). */
function clock() {
  let t = 1_000;
  return { now: () => t, advance: (seconds: number) => void (t += seconds * 1000) };
}

describe('formatDuration', () => {
  it('gives seconds, minutes and hours as people read them', () => {
    expect(formatDuration(0)).toBe('0.0 s');
    expect(formatDuration(12.34)).toBe('12.3 s');
    expect(formatDuration(59.96)).toBe('1 min 00 s');
    expect(formatDuration(428)).toBe('7 min 08 s');
    expect(formatDuration(2827)).toBe('47 min 07 s');
    expect(formatDuration(3720)).toBe('1 h 02 min');
    expect(formatDuration(Number.NaN)).toBe('?');
  });
});

describe('JobTimes: ETA from finished jobs of the same kind', () => {
  it('has no ETA before any job finished, then sums the mean per kind over the remaining jobs', () => {
    const c = clock();
    const t = new JobTimes(c.now);
    const trains = [job('t0', 'train', 'darts', 0), job('t1', 'train', 'darts', 1), job('t2', 'train', 'darts', 2)];
    const evals = [job('e0', 'evaluate', 'darts', 0), job('e1', 'evaluate', 'darts', 1)];
    t.begin([...trains, ...evals]);
    expect(t.eta()).toBeUndefined();
    t.jobStarted(trains[0]!);
    c.advance(20);
    t.jobEnded(trains[0]!, 'done', 20);
    // Two trains left at 20 s; the evaluations' kind has no finished job yet: a lower bound.
    expect(t.eta()).toEqual({ seconds: 40, lowerBound: true });
    t.jobStarted(evals[0]!);
    c.advance(2);
    t.jobEnded(evals[0]!, 'done', 2);
    expect(t.eta()).toEqual({ seconds: 42, lowerBound: false });
    // A running job counts what it has left: 30 s in, its estimate (mean 25 s) is used up.
    t.jobStarted(trains[1]!);
    c.advance(30);
    t.jobEnded(trains[1]!, 'done', 30);
    expect(t.eta()).toEqual({ seconds: 25 + 2, lowerBound: false });
    t.jobStarted(trains[2]!);
    c.advance(10);
    expect(t.eta()).toEqual({ seconds: 15 + 2, lowerBound: false });
    c.advance(100);
    expect(t.eta()).toEqual({ seconds: 0 + 2, lowerBound: false });
    expect(t.elapsed()).toBe(162);
  });

  it('estimates a search from searches of the same method first, then from any search', () => {
    const c = clock();
    const t = new JobTimes(c.now);
    const jobs = [job('r0', 'search', 'random-sampling'), job('d0', 'search', 'darts'), job('d1', 'search', 'darts'), job('r1', 'search', 'random-sampling')];
    t.begin(jobs);
    t.jobEnded(jobs[0]!, 'done', 1);
    // No DARTS search has finished: the random search's second is all there is.
    expect(t.eta()).toEqual({ seconds: 3, lowerBound: false });
    t.jobEnded(jobs[1]!, 'done', 100);
    expect(t.eta()).toEqual({ seconds: 100 + 1, lowerBound: false });
  });

  it('spreads the remaining work over parallel workers and ignores failed jobs for estimates', () => {
    const c = clock();
    const t = new JobTimes(c.now, 2);
    const jobs = [0, 1, 2, 3, 4].map((i) => job(`t${i}`, 'train', 'darts', i));
    t.begin(jobs);
    t.jobEnded(jobs[0]!, 'failed', 1);
    expect(t.eta()).toBeUndefined();
    t.jobEnded(jobs[1]!, 'done', 30);
    expect(t.eta()).toEqual({ seconds: (3 * 30) / 2, lowerBound: false });
  });

  it('sums wall time per kind, failed jobs included, in search-train-evaluate order', () => {
    const t = new JobTimes(clock().now);
    const jobs = [job('e0', 'evaluate'), job('s0', 'search'), job('t0', 'train'), job('t1', 'train'), job('t2', 'train')];
    t.begin(jobs);
    t.jobEnded(jobs[0]!, 'done', 1.5);
    t.jobEnded(jobs[1]!, 'done', 95);
    t.jobEnded(jobs[2]!, 'done', 20);
    t.jobEnded(jobs[3]!, 'failed', 10);
    t.jobEnded(jobs[4]!, 'skipped', 0);
    expect(t.perKind()).toEqual([
      { kind: 'search', count: 1, totalSeconds: 95, meanSeconds: 95 },
      { kind: 'train', count: 2, totalSeconds: 30, meanSeconds: 15 },
      { kind: 'evaluate', count: 1, totalSeconds: 1.5, meanSeconds: 1.5 },
    ]);
  });
});

describe('summary and progress text', () => {
  it('formats the time table and the elapsed/ETA part', () => {
    expect(
      formatTimeSummary(428, [
        { kind: 'search', count: 4, totalSeconds: 190, meanSeconds: 47.5 },
        { kind: 'train', count: 1, totalSeconds: 35, meanSeconds: 35 },
      ]),
    ).toBe(['wall time 7 min 08 s', '  search       4 jobs  total 3 min 10 s  mean 47.5 s', '  train        1 job   total 35.0 s      mean 35.0 s'].join('\n'));
    expect(formatTimeSummary(0.2, [])).toBe('wall time 0.2 s (no job ran)');
    expect(formatTimes(130, { seconds: 302, lowerBound: true })).toBe('elapsed 2 min 10 s, ETA ≥ 5 min 02 s');
    expect(formatTimes(3, undefined)).toBe('elapsed 3.0 s, ETA ?');
  });

  it('writes one line per finished job with elapsed time and ETA when not on a terminal', () => {
    const c = clock();
    const written: string[] = [];
    const out = { write: (s: string) => void written.push(s) } as unknown as NodeJS.WritableStream;
    const events = new StudyEvents();
    const jobs = [job('s0', 'search'), job('t0', 'train', 'darts', 0), job('t1', 'train', 'darts', 1)];
    const done = new Set(['s0']);
    const p = attachProgress(events, { tty: false, quiet: false, jobs, statusOf: (id) => (done.has(id) ? 'done' : 'pending'), now: c.now, out });
    events.emit('study-start', { studyName: 'toy', total: 3, alreadyDone: 1 });
    events.emit('job-start', { job: jobs[1]!, attempt: 1 });
    events.emit('epoch', { job: jobs[1]!, metrics: { epoch: 0, trainLoss: 1, trainAccuracy: 50 } as never });
    c.advance(20);
    events.emit('job-end', { job: jobs[1]!, status: 'done', seconds: 20 });
    events.emit('job-start', { job: jobs[2]!, attempt: 1 });
    c.advance(25);
    events.emit('job-end', { job: jobs[2]!, status: 'done', seconds: 25 });
    events.emit('study-end', { studyName: 'toy', done: 3, failed: 0, skipped: 0 });
    p.detach();
    expect(written).toEqual([
      'study toy: 3 jobs, 1 already done\n',
      '[2/3] done    train toy/darts/seed 0 #0 (20.0 s; elapsed 20.0 s, ETA 20.0 s)\n',
      '[3/3] done    train toy/darts/seed 0 #1 (25.0 s; elapsed 45.0 s, ETA 0.0 s)\n',
    ]);
    expect(p.summary()).toBe('wall time 45.0 s\n  train        2 jobs  total 45.0 s      mean 22.5 s');
  });

  it('redraws one line on a terminal with the epoch of the running job, and prints nothing when quiet', () => {
    const c = clock();
    const written: string[] = [];
    const out = { write: (s: string) => void written.push(s), columns: 200 } as unknown as NodeJS.WritableStream;
    const events = new StudyEvents();
    const jobs = [job('t0', 'train', 'darts', 0)];
    const p = attachProgress(events, { tty: true, quiet: false, jobs, statusOf: () => 'pending', now: c.now, out });
    events.emit('study-start', { studyName: 'toy', total: 1, alreadyDone: 0 });
    events.emit('job-start', { job: jobs[0]!, attempt: 1 });
    c.advance(3);
    events.emit('epoch', { job: jobs[0]!, metrics: { epoch: 1, trainLoss: 1, trainAccuracy: 50, testAccuracy: 61.25 } as never });
    p.detach();
    const last = written.at(-1)!;
    expect(last.startsWith('\r[')).toBe(true);
    expect(last).toContain('0/1 elapsed 3.0 s, ETA ?  train toy/darts/seed 0 #0 epoch 2/4 test 61.25%');
    expect(written.every((w) => !w.includes('\n'))).toBe(true);

    const quiet: string[] = [];
    const q = attachProgress(events, { tty: false, quiet: true, jobs, statusOf: () => 'pending', now: c.now, out: { write: (s: string) => void quiet.push(s) } as never });
    events.emit('study-start', { studyName: 'toy', total: 1, alreadyDone: 0 });
    events.emit('job-end', { job: jobs[0]!, status: 'done', seconds: 4 });
    q.detach();
    expect(quiet).toEqual([]);
    expect(q.summary()).toContain('train        1 job   total 4.0 s');
  });
});
