import { fork } from 'node:child_process';
import { readdirSync } from 'node:fs';
import os from 'node:os';
import {
  definePlugin,
  ProcessGuard,
  readyJobs,
  z,
  type Executor,
  type ExecutorContext,
  type JobOutcome,
  type PlannedJob,
} from '@naslab/core';

const options = z
  .object({
    workers: z
      .number()
      .int()
      .min(1)
      .max(256, 'at most 256 worker processes')
      .default(1)
      .describe('1: run jobs one after another in this process; N > 1: N worker processes'),
    threadsPerWorker: z.number().int().min(1).max(1024).optional().describe('CPU threads each job may use (default: cores / workers)'),
    gpus: z
      // The list first: a manifest's error report explains a union by its first branch of the input's type.
      .union([
        z
          .array(z.number().int('a GPU id is a whole number').min(0, 'a GPU id is 0 or more'))
          .min(1, "at least one GPU id (or 'none')")
          .refine((ids) => new Set(ids).size === ids.length, 'each GPU id at most once'),
        z.enum(['auto', 'none']),
      ])
      .default('auto')
      .describe(
        "GPUs handed to worker processes, one per worker (worker k gets gpus[k % count] as its CUDA_VISIBLE_DEVICES): 'auto' (those this process sees: CUDA_VISIBLE_DEVICES, else /proc/driver/nvidia/gpus), 'none', or a list of device ids",
      ),
  })
  .strict();

export type LocalExecutorOptions = z.output<typeof options>;

/** The `gpus` option: which devices worker processes are given. */
export type GpuOption = 'auto' | 'none' | readonly number[];

/** Where the NVIDIA driver lists one folder per GPU (named by its PCI bus id). */
const NVIDIA_GPUS_DIR = '/proc/driver/nvidia/gpus';

/** The GPUs the NVIDIA driver lists on this machine (one folder each); none where it is not loaded. */
export function listNvidiaGpus(): string[] {
  try {
    return readdirSync(NVIDIA_GPUS_DIR).sort();
  } catch {
    return [];
  }
}

/**
 * The devices worker processes are given, as CUDA_VISIBLE_DEVICES entries (ids or GPU UUIDs).
 * An explicit list is taken as is; 'none' gives none; 'auto' takes the entries of this process's
 * CUDA_VISIBLE_DEVICES when it is set (empty or "-1": none; as CUDA does, entries after an
 * invalid "-1" are not visible), else ids 0..n-1 for the n GPUs `listDevices` finds.
 * An empty result means no GPU: workers are forked as they are without one.
 */
export function resolveGpus(option: GpuOption, env: NodeJS.ProcessEnv = process.env, listDevices: () => readonly string[] = listNvidiaGpus): string[] {
  if (option === 'none') return [];
  if (option === 'auto') {
    const visible = env.CUDA_VISIBLE_DEVICES;
    if (visible !== undefined) {
      const entries: string[] = [];
      for (const raw of visible.split(',')) {
        const entry = raw.trim();
        if (entry === '' || /^-\d+$/.test(entry)) break;
        entries.push(entry);
      }
      return entries;
    }
    return listDevices().map((_, i) => String(i));
  }
  if (!Array.isArray(option)) throw new Error(`gpus: 'auto', 'none' or a list of GPU ids, not ${JSON.stringify(option)}`);
  for (const id of option) {
    if (!Number.isInteger(id) || id < 0) throw new Error(`gpus: a GPU id is a whole number, 0 or more, not ${JSON.stringify(id)}`);
  }
  if (new Set(option).size !== option.length) throw new Error(`gpus: each GPU id at most once (${option.join(', ')})`);
  return option.map(String);
}

/**
 * Runs a study's DAG on this machine. One worker runs in-process; N workers are child
 * processes, each running one job at a time, so a crash of one job's process (out of memory,
 * native abort) is recorded as that job's failure and the rest of the study goes on.
 * In-process jobs run under a {@link ProcessGuard}: plugin code that calls `process.exit` or
 * `process.abort`, kills its own process, throws from a timer or leaves a rejection unhandled
 * fails its own job, not the study (worker processes run the same guard).
 * Worker processes are given one GPU each where there are GPUs (see {@link resolveGpus}).
 */
export class LocalExecutor implements Executor {
  private saidShared = false;

  constructor(
    private readonly opts: LocalExecutorOptions,
    /** Where 'auto' looks for GPUs when CUDA_VISIBLE_DEVICES is not set. */
    private readonly listDevices: () => readonly string[] = listNvidiaGpus,
  ) {}

  async execute(ctx: ExecutorContext): Promise<void> {
    const workers = ctx.workers ?? this.opts.workers;
    const threads = this.opts.threadsPerWorker ?? Math.max(1, Math.floor(os.availableParallelism() / workers));
    // In-process jobs use whatever devices this process sees; only worker processes are assigned one.
    const gpus = workers > 1 ? resolveGpus(this.opts.gpus, process.env, this.listDevices) : [];
    if (workers > gpus.length && gpus.length > 0 && !this.saidShared) {
      this.saidShared = true;
      const line = `${workers} workers on ${gpus.length} GPU${gpus.length === 1 ? '' : 's'} (${gpus.join(', ')}): several workers share a GPU (worker k uses gpus[k % ${gpus.length}])`;
      if (ctx.logger) ctx.logger.warn(line);
      else process.stderr.write(`${line}\n`);
    }
    const failedOrSkipped = (id: string) => ['failed', 'skipped'].includes(ctx.statusOf(id));
    const stray = (error: string, last: string | undefined) => {
      const line = `after job ${last ?? '?'} ended, its code still ran and broke: ${error.split('\n')[0]}`;
      if (ctx.logger) ctx.logger.error(line);
      else process.stderr.write(`${line}\n`);
    };
    const guard = workers === 1 ? new ProcessGuard({ onStray: stray }).install() : undefined;
    const run = (job: PlannedJob, slot: number): Promise<JobOutcome> =>
      guard ? runGuarded(ctx, guard, job) : runInWorker(ctx, job, threads, gpus.length ? { slot, device: gpus[slot % gpus.length]! } : undefined);
    try {
      await this.loop(ctx, workers, run, failedOrSkipped);
    } finally {
      guard?.dispose();
    }
  }

  private async loop(ctx: ExecutorContext, workers: number, run: (job: PlannedJob, slot: number) => Promise<JobOutcome>, failedOrSkipped: (id: string) => boolean): Promise<void> {
    const running = new Map<string, Promise<JobOutcome>>();
    // Worker slots 0..workers-1: a job takes the lowest free one and gives it back when it ends,
    // so a slot (and the GPU it stands for) runs one job at a time.
    const freeSlots = Array.from({ length: workers }, (_, k) => k);
    // Jobs another runner holds: not tried again in this pass (the study runner waits and calls again).
    const elsewhere = new Set<string>();

    while (!ctx.signal.aborted) {
      // Dependents of a failed job can never run: record why, instead of leaving them pending.
      for (const job of ctx.jobs) {
        const s = ctx.statusOf(job.id);
        if ((s === 'pending' || s === 'running') && !running.has(job.id) && job.parents.some(failedOrSkipped)) {
          ctx.skip(job, `parent ${job.parents.find(failedOrSkipped)} did not finish`);
        }
      }
      const ready = readyJobs(ctx.jobs, ctx.statusOf, new Set([...running.keys(), ...elsewhere]));
      for (const job of ready.slice(0, Math.max(0, workers - running.size))) {
        freeSlots.sort((a, b) => a - b);
        const slot = freeSlots.shift()!;
        running.set(
          job.id,
          run(job, slot)
            .then((outcome) => {
              if (outcome.elsewhere) elsewhere.add(job.id);
              return outcome;
            })
            .finally(() => {
              running.delete(job.id);
              freeSlots.push(slot);
            }),
        );
      }
      if (running.size === 0) break;
      await Promise.race(running.values());
    }
    await Promise.allSettled(running.values());
  }
}

/** Exit code of a worker that found its job held by another runner (EX_TEMPFAIL). */
export const WORKER_ELSEWHERE_EXIT = 75;

/**
 * One job in this process under the guard. A process-level failure is the job's: it is recorded,
 * the job's signal stops what of its code still listens, and should that code still finish the
 * job later, the failure is recorded again over it.
 */
async function runGuarded(ctx: ExecutorContext, guard: ProcessGuard, job: PlannedJob): Promise<JobOutcome> {
  const controller = new AbortController();
  const outcome = await guard.run(job.id, () => ctx.runInProcess(job, { signal: controller.signal }));
  if (outcome.ok) return outcome.value;
  controller.abort(new Error(outcome.error.split('\n')[0]));
  ctx.fail(job, outcome.error);
  outcome.late.then(
    () => {
      if (ctx.statusOf(job.id) !== 'failed') ctx.fail(job, outcome.error);
    },
    () => undefined,
  );
  return { id: job.id, status: 'failed', error: outcome.error };
}

/**
 * `node <entry> ...args <jobId>`; the worker writes the outcome to the store itself. With a GPU, the
 * child sees that one device only (CUDA_VISIBLE_DEVICES) and is told its slot (NASLAB_GPU_SLOT).
 */
function runInWorker(ctx: ExecutorContext, job: PlannedJob, threads: number, gpu: { slot: number; device: string } | undefined): Promise<JobOutcome> {
  return new Promise((resolve) => {
    const child = fork(ctx.worker.entry, [...ctx.worker.args, job.id], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: {
        ...process.env,
        NASLAB_THREADS: String(threads),
        OMP_NUM_THREADS: String(threads),
        ...(gpu ? { CUDA_VISIBLE_DEVICES: gpu.device, NASLAB_GPU_SLOT: String(gpu.slot) } : {}),
      },
    });
    const onAbort = () => child.kill('SIGTERM');
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    child.on('exit', (code, signal) => {
      ctx.signal.removeEventListener('abort', onAbort);
      // The worker found the job claimed by another live runner and did nothing.
      if (code === WORKER_ELSEWHERE_EXIT) return resolve({ id: job.id, status: 'running', error: 'running elsewhere', elsewhere: 'another runner' });
      const outcome = ctx.outcomeOf(job.id);
      if (outcome.status === 'done' || outcome.status === 'failed' || outcome.status === 'diverged') return resolve(outcome);
      // The process died without recording an outcome (crash, OOM kill).
      const error = `worker process exited with ${signal ?? `code ${code}`} before recording a result`;
      ctx.fail(job, error);
      resolve({ id: job.id, status: 'failed', error });
    });
  });
}

export default definePlugin({
  kind: 'executor',
  id: 'local',
  description: 'Runs jobs on this machine, in-process or in N worker processes.',
  options,
  create: ({ options }) => new LocalExecutor(options),
});
