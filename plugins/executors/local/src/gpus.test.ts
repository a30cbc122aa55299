import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger, PlannedJob, z } from '@naslab/core';
import { testExecutorContext } from '@naslab/core/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import plugin, { LocalExecutor, resolveGpus, type LocalExecutorOptions } from './index.js';

const noDevices = () => [];
const fourDevices = () => ['0000:01:00.0', '0000:21:00.0', '0000:41:00.0', '0000:61:00.0'];

describe('resolveGpus', () => {
  it('takes an explicit list as is, and none for none', () => {
    expect(resolveGpus([2, 0, 3], {}, fourDevices)).toEqual(['2', '0', '3']);
    expect(resolveGpus('none', { CUDA_VISIBLE_DEVICES: '0,1' }, fourDevices)).toEqual([]);
  });

  it("'auto' takes CUDA_VISIBLE_DEVICES over the driver's list: ids and UUIDs as given", () => {
    expect(resolveGpus('auto', { CUDA_VISIBLE_DEVICES: '3,1' }, fourDevices)).toEqual(['3', '1']);
    expect(resolveGpus('auto', { CUDA_VISIBLE_DEVICES: ' GPU-8f1a2b3c-0d4e-5f60-7182-93a4b5c6d7e8 , MIG-5c6d7e8f-0000-1111-2222-333344445555' }, fourDevices)).toEqual([
      'GPU-8f1a2b3c-0d4e-5f60-7182-93a4b5c6d7e8',
      'MIG-5c6d7e8f-0000-1111-2222-333344445555',
    ]);
  });

  it("'auto' with CUDA_VISIBLE_DEVICES empty or -1 is no GPU, whatever the driver lists", () => {
    expect(resolveGpus('auto', { CUDA_VISIBLE_DEVICES: '' }, fourDevices)).toEqual([]);
    expect(resolveGpus('auto', { CUDA_VISIBLE_DEVICES: '-1' }, fourDevices)).toEqual([]);
    // As CUDA reads it: devices after an invalid entry are not visible.
    expect(resolveGpus('auto', { CUDA_VISIBLE_DEVICES: '2,-1,3' }, fourDevices)).toEqual(['2']);
  });

  it("'auto' without CUDA_VISIBLE_DEVICES counts the driver's GPUs, and finds none without a driver", () => {
    expect(resolveGpus('auto', {}, fourDevices)).toEqual(['0', '1', '2', '3']);
    expect(resolveGpus('auto', {}, noDevices)).toEqual([]);
  });

  it('refuses ids that are not whole, non-negative and unique', () => {
    expect(() => resolveGpus([0, -1], {}, noDevices)).toThrow(/0 or more, not -1/);
    expect(() => resolveGpus([0.5], {}, noDevices)).toThrow(/whole number/);
    expect(() => resolveGpus([1, 1], {}, noDevices)).toThrow(/at most once/);
    expect(() => resolveGpus('all' as never, {}, noDevices)).toThrow(/'auto', 'none' or a list/);
  });

  it('the manifest option is validated the same way, and defaults to auto', () => {
    // As a manifest's error report reads a union's failure: the first branch of the input's type.
    const explain = (issues: readonly z.core.$ZodIssue[], prefix: PropertyKey[] = []): string[] =>
      issues.flatMap((i) => {
        const path = [...prefix, ...i.path];
        if (i.code !== 'invalid_union') return [`${path.join('.')}: ${i.message}`];
        const branch = i.errors.find((b) => !b.some((e) => e.code === 'invalid_type' && e.path.length === 0)) ?? i.errors[0]!;
        return explain(branch, path);
      });
    const problems = (gpus: unknown) => {
      const r = plugin.options!.safeParse({ gpus });
      return r.success ? [] : explain(r.error.issues);
    };
    expect(plugin.options!.parse({})).toMatchObject({ workers: 1, gpus: 'auto' });
    expect(problems([0, 1])).toEqual([]);
    expect(problems('none')).toEqual([]);
    expect(problems([0, -1]).join()).toMatch(/gpus\.1: a GPU id is 0 or more/);
    expect(problems([1.5]).join()).toMatch(/gpus\.0: a GPU id is a whole number/);
    expect(problems([1, 1]).join()).toMatch(/gpus: each GPU id at most once/);
    expect(problems([]).join()).toMatch(/at least one GPU id/);
    expect(problems('all').join()).toMatch(/gpus: Invalid option: expected one of "auto"\|"none"/);
  });
});

interface Report {
  cuda: string | null;
  slot: string | null;
  threads: string | null;
  startedAt: number;
  endedAt: number;
}

const fixture = new URL('./__fixtures__/report-env-worker.mjs', import.meta.url).pathname;
const independentJobs = (n: number): PlannedJob[] =>
  Array.from({ length: n }, (_, i) => ({ id: `j-${i}`, kind: 'search', parents: [], dataset: 'd', method: 'm', seed: i, spec: null }));

/** Run `jobs` in worker processes that report their environment; returns each job's report. */
async function runReporting(opts: Partial<LocalExecutorOptions> & { workers: number }, jobs: PlannedJob[], logger?: Logger) {
  const dir = mkdtempSync(join(tmpdir(), 'naslab-local-gpus-'));
  const ctx = testExecutorContext(jobs);
  const options = plugin.options!.parse(opts) as LocalExecutorOptions;
  await new LocalExecutor(options, noDevices).execute({
    ...ctx,
    worker: { entry: fixture, args: [dir] },
    outcomeOf: (id) => {
      const done = existsSync(join(dir, `${id}.json`));
      ctx.status.set(id, done ? 'done' : 'failed');
      return { id, status: done ? 'done' : 'failed' };
    },
    logger,
  });
  expect([...ctx.status.values()]).toEqual(jobs.map(() => 'done'));
  return jobs.map((j) => JSON.parse(readFileSync(join(dir, `${j.id}.json`), 'utf8')) as Report);
}

/** Jobs that ran at the same time never share a slot. */
function expectSlotsExclusive(reports: Report[]) {
  for (const a of reports) {
    for (const b of reports) {
      if (a !== b && a.startedAt < b.endedAt && b.startedAt < a.endedAt) expect(a.slot).not.toBe(b.slot);
    }
  }
}

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const logger: Logger & { warnings: string[] } = {
    warnings,
    debug: () => undefined,
    info: () => undefined,
    warn: (m) => void warnings.push(m),
    error: () => undefined,
    child: () => logger,
  };
  return logger;
}

describe('LocalExecutor GPU assignment', () => {
  afterEach(() => vi.unstubAllEnvs());

  it('two workers on GPUs [0, 1]: each job sees its slot and that slot\'s GPU only; slots are reused', async () => {
    vi.stubEnv('CUDA_VISIBLE_DEVICES', '0,1');
    const logger = recordingLogger();
    const reports = await runReporting({ workers: 2, gpus: [0, 1], threadsPerWorker: 1 }, independentJobs(4), logger);
    for (const r of reports) {
      expect(['0', '1']).toContain(r.slot);
      expect(r.cuda).toBe(r.slot);
      expect(r.threads).toBe('1');
    }
    // Four jobs through two slots: both slots used, each by two jobs one after the other.
    expect(reports.map((r) => r.slot).sort()).toEqual(['0', '0', '1', '1']);
    expectSlotsExclusive(reports);
    expect(logger.warnings).toEqual([]);
  }, 30_000);

  it('more workers than GPUs: slot k gets gpus[k % n], and one warning says they share', async () => {
    const logger = recordingLogger();
    const executor = new LocalExecutor(plugin.options!.parse({ workers: 3, gpus: [5, 7], threadsPerWorker: 1 }) as LocalExecutorOptions, noDevices);
    const dir = mkdtempSync(join(tmpdir(), 'naslab-local-gpus-'));
    const jobs = independentJobs(3);
    for (let pass = 0; pass < 2; pass++) {
      const ctx = testExecutorContext(jobs);
      await executor.execute({
        ...ctx,
        worker: { entry: fixture, args: [dir] },
        outcomeOf: (id) => (ctx.status.set(id, 'done'), { id, status: 'done' }),
        logger,
      });
    }
    const reports = jobs.map((j) => JSON.parse(readFileSync(join(dir, `${j.id}.json`), 'utf8')) as Report);
    const gpuOfSlot = Object.fromEntries(reports.map((r) => [r.slot, r.cuda]));
    expect(gpuOfSlot).toEqual({ '0': '5', '1': '7', '2': '5' });
    // Said once, though the executor ran twice.
    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0]).toMatch(/3 workers on 2 GPUs \(5, 7\): several workers share a GPU/);
  }, 30_000);

  it("'auto' hands out the parent's CUDA_VISIBLE_DEVICES entries, UUIDs included", async () => {
    vi.stubEnv('CUDA_VISIBLE_DEVICES', 'GPU-aaaa,GPU-bbbb');
    const reports = await runReporting({ workers: 2, threadsPerWorker: 1 }, independentJobs(2));
    expect(Object.fromEntries(reports.map((r) => [r.slot, r.cuda]))).toEqual({ '0': 'GPU-aaaa', '1': 'GPU-bbbb' });
  }, 30_000);

  it('one worker runs in this process and assigns nothing (no warning either)', async () => {
    vi.stubEnv('CUDA_VISIBLE_DEVICES', '0,1');
    const logger = recordingLogger();
    const ctx = testExecutorContext(independentJobs(2));
    await new LocalExecutor(plugin.options!.parse({ workers: 1, gpus: [3] }) as LocalExecutorOptions, noDevices).execute({ ...ctx, logger });
    expect(ctx.order).toEqual(['j-0', 'j-1']);
    expect(process.env.CUDA_VISIBLE_DEVICES).toBe('0,1');
    expect(logger.warnings).toEqual([]);
  });

  it('without GPUs the workers are forked as before: CUDA_VISIBLE_DEVICES untouched, no slot', async () => {
    vi.stubEnv('CUDA_VISIBLE_DEVICES', 'parent-value');
    const none = await runReporting({ workers: 2, gpus: 'none', threadsPerWorker: 1 }, independentJobs(2));
    expect(none.map((r) => [r.cuda, r.slot])).toEqual([
      ['parent-value', null],
      ['parent-value', null],
    ]);
    vi.stubEnv('CUDA_VISIBLE_DEVICES', undefined);
    const auto = await runReporting({ workers: 2, threadsPerWorker: 1 }, independentJobs(2));
    expect(auto.map((r) => [r.cuda, r.slot])).toEqual([
      [null, null],
      [null, null],
    ]);
  }, 30_000);
});
