import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import {
  InputError,
  silentLogger,
  type Executor,
  type ExecutorContext,
  type IngestContext,
  type IngestReport,
  type JobStatus,
  type Logger,
  type ResultStore,
} from '@naslab/core';
import { ingestLost, ingestOutcome, JobFolders } from '@naslab/store/job-folder';
import { arraySpec, layOutArrays, type ArrayGroup } from './arrays.js';
import { renderBatchScript } from './batch-script.js';
import { resourcesFor, type SlurmOptions } from './options.js';
import { hasEnded, SlurmCli, SlurmError, type TaskState } from './slurm-cli.js';
import { Submissions, withSubmissionLock } from './submissions.js';

/** What a refresh learnt; the counts are of outcomes recorded in the store by this refresh. */
export interface RefreshReport {
  done: number;
  failed: number;
  skipped: number;
  diverged: number;
  interrupted: number;
  queued: number;
  running: number;
}

interface RefreshHooks {
  started?(id: string): void;
  ended?(id: string, status: JobStatus | 'interrupted', error?: string): void;
}

const unfinished = (s: JobStatus | undefined) => s === undefined || s === 'pending' || s === 'running';
const failedOrSkipped = (s: JobStatus | undefined) => s === 'failed' || s === 'skipped';

function slurmSays(st: TaskState | undefined): string {
  if (!st) return 'Slurm has no record of it';
  return `Slurm ${st.state}${st.reason && st.reason !== 'None' ? ` (${st.reason})` : ''}`;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((done) => {
    if (signal?.aborted) return done();
    const onAbort = () => (clearTimeout(t), done());
    const t = setTimeout(() => (signal?.removeEventListener('abort', onAbort), done()), ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/**
 * Runs a study's DAG on a Slurm cluster. Each job is one array task running the naslab worker on
 * that job id (`--job-folder`); tasks write their job folders, and this process — the store's one
 * writer — ingests them. See the README for the layout of arrays and dependencies.
 */
export class SlurmExecutor implements Executor {
  constructor(
    private readonly opts: SlurmOptions,
    private readonly slurm: SlurmCli = new SlurmCli(),
  ) {}

  async execute(ctx: ExecutorContext): Promise<void> {
    const location = ctx.store.location;
    const logger = ctx.logger ?? silentLogger;
    const manifest = ctx.worker.args[0] ?? '(manifest)';
    const byId = new Map(ctx.jobs.map((j) => [j.id, j]));
    const hooks: RefreshHooks = {
      started: (id) => {
        const job = byId.get(id);
        if (job) ctx.events?.emit('job-start', { job, attempt: (ctx.store.getJob(id)?.attempts ?? 0) + 1 });
      },
      ended: (id, status, error) => {
        const job = byId.get(id);
        if (!job) return;
        if (status !== 'skipped') ctx.outcomeOf(id); // counts it as run now
        if (status === 'interrupted') return; // not ended: a rerun resumes it
        const rec = ctx.store.getJob(id);
        ctx.events?.emit('job-end', { job, status, seconds: rec?.seconds ?? 0, ...(error ?? rec?.error ? { error: error ?? rec?.error } : {}) });
      },
    };
    const submittedNow = new Set<string>();
    try {
      await withSubmissionLock(location, async () => {
        const subs = new Submissions(location);
        await this.refresh(subs, ctx.store, hooks, logger);
        for (const id of await this.submit(subs, ctx, logger)) submittedNow.add(id);
      });
    } catch (e) {
      if (e instanceof SlurmError) throw new InputError({ file: manifest, path: 'executor', message: e.message });
      throw e;
    }
    if (ctx.detach) return;

    const inFlight = (subs: Submissions) => ctx.jobs.filter((j) => subs.jobs.has(j.id)).length;
    for (;;) {
      if (!inFlight(new Submissions(location))) return;
      await sleep(this.opts.pollSeconds * 1000, ctx.signal);
      if (ctx.signal.aborted) break;
      try {
        await withSubmissionLock(location, () => this.refresh(new Submissions(location), ctx.store, hooks, logger));
      } catch (e) {
        // squeue timing out or slurmctld restarting: the submissions are on disk, look again later.
        if (!(e instanceof SlurmError)) throw e;
        logger.warn(`slurm: ${e.message}; trying again in ${this.opts.pollSeconds} s`);
      }
    }
    await this.cancel(ctx, submittedNow, hooks, logger);
  }

  async ingest(ctx: IngestContext): Promise<IngestReport> {
    const r = await withSubmissionLock(ctx.store.location, () => this.refresh(new Submissions(ctx.store.location), ctx.store, {}, ctx.logger ?? silentLogger));
    const ingested = r.done + r.failed + r.skipped + r.diverged + r.interrupted;
    const parts = [`${r.done} done`, `${r.failed} failed`, `${r.skipped} skipped`, ...(r.diverged ? [`${r.diverged} diverged`] : []), ...(r.interrupted ? [`${r.interrupted} interrupted`] : [])];
    return {
      ingested,
      notes: [`slurm: ingested ${ingested} result${ingested === 1 ? '' : 's'} (${parts.join(', ')}); ${r.queued} queued, ${r.running} running`],
    };
  }

  /**
   * Bring every tracked task up to date: ingest outcomes, record tasks that ended without one
   * (with Slurm's state and reason), skip the dependents of what failed, cancel those Slurm still
   * holds. Saves the submissions file.
   */
  private async refresh(subs: Submissions, store: ResultStore, hooks: RefreshHooks, logger: Logger): Promise<RefreshReport> {
    const folders = new JobFolders(store.location);
    const report: RefreshReport = { done: 0, failed: 0, skipped: 0, diverged: 0, interrupted: 0, queued: 0, running: 0 };
    const tracked = [...subs.jobs.entries()];
    const states = await this.slurm.states(tracked.map(([, s]) => s.task));
    const end = (id: string, status: JobStatus | 'interrupted', error?: string) => {
      subs.jobs.delete(id);
      if (status === 'done' || status === 'failed' || status === 'skipped' || status === 'diverged' || status === 'interrupted') report[status]++;
      hooks.ended?.(id, status, error);
    };
    const toCancel: string[] = [];

    for (const [id, sub] of tracked) {
      const st = states.get(sub.task);
      const outcome = folders.outcome(id);
      if (outcome) {
        // Interrupted and requeued by Slurm (preemption): it runs again and will write anew.
        if (outcome.status === 'interrupted' && st && !hasEnded(st)) continue;
        if (outcome.status === 'done' && !folders.result(id)) {
          // Written before the outcome, but a network file system may show it later.
          sub.lostSince ??= new Date().toISOString();
          if (Date.now() - Date.parse(sub.lostSince) < this.opts.lostAfterSeconds * 1000) continue;
          const error = `the task says it finished, but ${folders.recordPath(id, 'result.json')} is missing (log ${sub.log})`;
          folders.archive(id, 'outcome.json');
          ingestLost(store, folders, id, error);
          end(id, 'failed', error);
          continue;
        }
        const error =
          outcome.status === 'interrupted'
            ? `${slurmSays(st)}: ${outcome.error ?? 'interrupted'}; its checkpoints are kept, so \`naslab run --retry-failed\` resumes it (log ${sub.log})`
            : outcome.status === 'failed'
              ? `${outcome.error ?? 'failed'}${outcome.error?.includes(sub.log) ? '' : ` (log ${sub.log})`}`
              : undefined;
        const got = ingestOutcome(store, folders, id, { interruptedAs: sub.cancelledByUs ? 'interrupted' : 'failed', ...(error ? { error } : {}) });
        if (got) end(id, got, got === 'failed' ? error : undefined);
        else subs.jobs.delete(id); // the store had it finished already (another runner)
        continue;
      }
      if (st && !hasEnded(st)) {
        if (st.state === 'RUNNING' && !sub.runningSeen) {
          sub.runningSeen = true;
          hooks.started?.(id);
        }
        continue;
      }
      // Ended, or unknown to Slurm, without an outcome.
      const parentDown = sub.parents.find((p) => failedOrSkipped(store.getJob(p)?.status));
      if (parentDown || st?.reason === 'DependencyNeverSatisfied') {
        if (st?.state === 'PENDING') toCancel.push(sub.task);
        const reason = parentDown ? `parent ${parentDown} did not finish` : `a parent's Slurm task did not succeed (${slurmSays(st)})`;
        store.skipJob(id, reason);
        end(id, 'skipped', reason);
        continue;
      }
      if (sub.cancelledByUs) {
        // Cancelled by Ctrl-C before it could write anything: it stays pending or running, and a rerun submits it.
        subs.jobs.delete(id);
        continue;
      }
      sub.lostSince ??= new Date().toISOString();
      if (Date.now() - Date.parse(sub.lostSince) < this.opts.lostAfterSeconds * 1000) continue;
      const error = st
        ? `${slurmSays(st)} before the task wrote a result (log ${sub.log})`
        : `left Slurm's queue without a result (cancelled while pending, or purged before naslab looked; log ${sub.log})`;
      ingestLost(store, folders, id, error);
      end(id, 'failed', error);
    }

    // Dependents of what failed or was skipped: skipped, and cancelled where Slurm still holds them.
    for (let changed = true; changed; ) {
      changed = false;
      for (const [id, sub] of subs.jobs) {
        const down = sub.parents.find((p) => failedOrSkipped(store.getJob(p)?.status));
        if (!down) continue;
        const st = states.get(sub.task);
        if (!st || !hasEnded(st)) toCancel.push(sub.task);
        const reason = `parent ${down} did not finish`;
        store.skipJob(id, reason);
        end(id, 'skipped', reason);
        changed = true;
      }
    }
    if (toCancel.length) {
      logger.info(`slurm: cancelling ${toCancel.length} task(s) whose parents failed: ${toCancel.join(' ')}`);
      await this.slurm.cancel(toCancel);
    }
    for (const sub of subs.jobs.values()) {
      const st = states.get(sub.task);
      if (st?.state === 'RUNNING' || st?.state === 'COMPLETING') report.running++;
      else report.queued++;
    }
    subs.save();
    return report;
  }

  /** Submit every job not done and not in flight, as arrays with dependencies. Returns their ids. */
  private async submit(subs: Submissions, ctx: ExecutorContext, logger: Logger): Promise<string[]> {
    const status = (id: string) => ctx.statusOf(id);
    // Dependents of a failed job can never run: record why, instead of submitting them.
    for (let changed = true; changed; ) {
      changed = false;
      for (const job of ctx.jobs) {
        const down = job.parents.find((p) => failedOrSkipped(status(p)));
        if (unfinished(status(job.id)) && !subs.jobs.has(job.id) && down) {
          ctx.skip(job, `parent ${down} did not finish`);
          changed = true;
        }
      }
    }
    const todo = ctx.jobs.filter((j) => unfinished(status(j.id)) && !subs.jobs.has(j.id));
    if (!todo.length) return [];
    const groups = layOutArrays(
      todo,
      (id) => {
        if (status(id) === 'done') return 'done';
        const s = subs.jobs.get(id);
        return s ? { array: s.array, index: s.index } : undefined;
      },
      this.opts.maxArraySize,
    );
    const folders = new JobFolders(ctx.store.location);
    for (const job of todo) {
      folders.clearAttempt(job.id);
      for (const p of job.parents) {
        const rec = ctx.store.getJob(p);
        if (rec?.status === 'done' || rec?.status === 'diverged') folders.exportResult(rec);
      }
    }
    const manifest = resolve(ctx.worker.args[0] ?? '');
    const arrayIds: string[] = [];
    const stamp = Date.now();
    for (const [gi, g] of groups.entries()) {
      const script = subs.path('scripts', `${stamp}-${gi}-${g.kind}.sh`);
      writeFileSync(
        script,
        renderBatchScript({
          kind: g.kind,
          jobName: `${this.opts.jobName}-${g.kind}`,
          array: arraySpec(
            g.tasks.map((t) => t.index),
            this.opts.arrayLimit,
          ),
          tasks: g.tasks.map((t) => ({ index: t.index, jobId: t.job.id })),
          ...(g.dependency ? { dependency: dependencyOf(g, arrayIds) } : {}),
          resources: resourcesFor(this.opts, g.kind),
          output: subs.path('logs', '%A_%a.out'),
          chdir: process.cwd(),
          setup: this.opts.setup,
          node: this.opts.node ?? process.execPath,
          worker: { entry: ctx.worker.entry, args: [manifest, ...ctx.worker.args.slice(1)] },
        }),
        { mode: 0o755 },
      );
      const id = await this.slurm.sbatch(script, `the ${g.kind} array (${g.tasks.length} job${g.tasks.length === 1 ? '' : 's'})`);
      arrayIds[gi] = id;
      const submittedAt = new Date().toISOString();
      for (const t of g.tasks) {
        subs.jobs.set(t.job.id, {
          task: `${id}_${t.index}`,
          array: id,
          index: t.index,
          kind: t.job.kind,
          parents: t.job.parents,
          submittedAt,
          log: subs.path('logs', `${id}_${t.index}.out`),
        });
      }
      subs.save();
    }
    const byKind = (['search', 'train', 'evaluate'] as const)
      .map((k) => [k, groups.filter((g) => g.kind === k)] as const)
      .filter(([, gs]) => gs.length)
      .map(([k, gs]) => `${k} ${gs.reduce((n, g) => n + g.tasks.length, 0)} in ${gs.length} (${gs.map((g) => arrayIds[groups.indexOf(g)]).join(', ')})`);
    logger.info(`slurm: submitted ${todo.length} jobs as ${groups.length} arrays: ${byKind.join('; ')}`);
    return todo.map((j) => j.id);
  }

  /** Ctrl-C: cancel what this run submitted, say so, and wait for the tasks to stop. */
  private async cancel(ctx: ExecutorContext, submittedNow: ReadonlySet<string>, hooks: RefreshHooks, logger: Logger): Promise<void> {
    const location = ctx.store.location;
    let tasks: string[] = [];
    await withSubmissionLock(location, async () => {
      const subs = new Submissions(location);
      const mine = [...submittedNow].flatMap((id) => {
        const s = subs.jobs.get(id);
        return s ? [s] : [];
      });
      tasks = mine.map((s) => s.task);
      if (!tasks.length) return;
      logger.warn(`slurm: interrupted; cancelling the ${tasks.length} Slurm task(s) this run submitted (scancel); their checkpoints stay, and \`naslab run\` resumes them`);
      for (const s of mine) s.cancelledByUs = true;
      subs.save();
      await this.slurm.cancel(tasks);
    });
    // Slurm sends SIGTERM, then SIGKILL after KillWait; the tasks write their interrupted outcomes.
    const deadline = Date.now() + 180_000;
    while (Date.now() < deadline) {
      const subs = new Submissions(location);
      if (!tasks.some((t) => [...subs.jobs.values()].some((s) => s.task === t))) return;
      await sleep(1000);
      await withSubmissionLock(location, () => this.refresh(new Submissions(location), ctx.store, hooks, logger));
    }
    logger.warn(`slurm: some cancelled tasks had not ended after 180 s; \`naslab status\` records them when they do`);
  }
}

/** The sbatch --dependency of a group, once the arrays it waits for have ids. */
function dependencyOf(g: ArrayGroup, arrayIds: readonly string[]): string {
  const idOf = (ref: { group: number } | { array: string }) => ('group' in ref ? arrayIds[ref.group]! : ref.array);
  const d = g.dependency!;
  if (d.kind === 'aftercorr') return `aftercorr:${idOf(d.on)}`;
  return `afterok:${d.on.map((r) => `${idOf(r)}_${r.index}`).join(':')}`;
}

