import type { JobKind, JobStatus, PlannedJob, StudyEvents } from '@naslab/core';

/** `12.3 s`, `7 min 08 s`, `1 h 02 min`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  if (seconds < 59.95) return `${seconds.toFixed(1)} s`;
  const s = Math.round(seconds);
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  const m = Math.round(seconds / 60);
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

export interface KindTime {
  readonly kind: JobKind;
  /** Jobs of this kind that ran in this process's run (done or failed). */
  readonly count: number;
  readonly totalSeconds: number;
  readonly meanSeconds: number;
}

export interface Eta {
  readonly seconds: number;
  /** Some remaining jobs are of a kind none has finished yet: `seconds` leaves them out. */
  readonly lowerBound: boolean;
}

const KIND_ORDER: readonly JobKind[] = ['search', 'train', 'evaluate'];

/** Jobs of one method's searches take alike; different methods' searches do not (random vs DARTS). */
function group(job: PlannedJob): string {
  return job.kind === 'search' ? `search/${job.method}` : job.kind;
}

/**
 * Times of a run's jobs, on an injected clock (milliseconds): elapsed time, an ETA from the
 * durations of finished jobs of the same kind (a search of the same method), and the wall time
 * per job kind. Pure bookkeeping, so the arithmetic is testable without waiting.
 */
export class JobTimes {
  private startedAt: number | undefined;
  private readonly remaining = new Map<string, PlannedJob>();
  private readonly running = new Map<string, number>();
  private readonly durations = new Map<string, number[]>();
  private readonly byKind = new Map<JobKind, number[]>();

  constructor(
    private readonly now: () => number,
    /** Jobs that run at once (the local executor's workers). */
    private readonly parallel = 1,
  ) {}

  /** The run starts with these jobs still to do. */
  begin(pending: readonly PlannedJob[]): void {
    this.startedAt = this.now();
    for (const j of pending) this.remaining.set(j.id, j);
  }

  jobStarted(job: PlannedJob): void {
    this.running.set(job.id, this.now());
  }

  jobEnded(job: PlannedJob, status: JobStatus, seconds: number): void {
    this.remaining.delete(job.id);
    this.running.delete(job.id);
    // Failed and skipped-by-the-executor jobs (0 s) say nothing about how long the others take.
    if (status === 'done') {
      const g = group(job);
      this.durations.set(g, [...(this.durations.get(g) ?? []), seconds]);
    }
    if (status === 'done' || status === 'failed') this.byKind.set(job.kind, [...(this.byKind.get(job.kind) ?? []), seconds]);
  }

  elapsed(): number {
    return this.startedAt === undefined ? 0 : (this.now() - this.startedAt) / 1000;
  }

  /** The mean duration of finished jobs like `job`: same group, else same kind. */
  private estimate(job: PlannedJob): number | undefined {
    const mean = (xs: number[] | undefined) => (xs?.length ? xs.reduce((a, b) => a + b, 0) / xs.length : undefined);
    const same = mean(this.durations.get(group(job)));
    if (same !== undefined) return same;
    const kind = [...this.durations.entries()].filter(([g]) => g === job.kind || g.startsWith(`${job.kind}/`)).flatMap(([, xs]) => xs);
    return mean(kind);
  }

  /**
   * Time left: every remaining job's estimate (a running one's less what it has run already, at
   * least 0), spread over the parallel slots. Undefined until some job has finished.
   */
  eta(): Eta | undefined {
    if (this.remaining.size === 0) return { seconds: 0, lowerBound: false };
    let sum = 0;
    let known = false;
    let lowerBound = false;
    const now = this.now();
    for (const job of this.remaining.values()) {
      const e = this.estimate(job);
      if (e === undefined) {
        lowerBound = true;
        continue;
      }
      known = true;
      const since = this.running.get(job.id);
      sum += Math.max(0, e - (since === undefined ? 0 : (now - since) / 1000));
    }
    return known ? { seconds: sum / Math.max(1, this.parallel), lowerBound } : undefined;
  }

  /** Wall time per job kind of the jobs that ran (search, train, evaluate order). */
  perKind(): KindTime[] {
    return [...this.byKind.entries()]
      .sort(([a], [b]) => KIND_ORDER.indexOf(a) - KIND_ORDER.indexOf(b))
      .map(([kind, xs]) => {
        const total = xs.reduce((a, b) => a + b, 0);
        return { kind, count: xs.length, totalSeconds: total, meanSeconds: total / xs.length };
      });
  }
}

/** `elapsed 2 min 10 s, ETA 5 min 02 s` (`ETA ≥ …` while a kind has no finished job yet). */
export function formatTimes(elapsed: number, eta: Eta | undefined): string {
  const left = eta === undefined ? 'ETA ?' : `ETA ${eta.lowerBound ? '≥ ' : ''}${formatDuration(eta.seconds)}`;
  return `elapsed ${formatDuration(elapsed)}, ${left}`;
}

/** The final summary's time table: the run's wall time, then count, total and mean per job kind. */
export function formatTimeSummary(wallSeconds: number, kinds: readonly KindTime[]): string {
  const lines = [`wall time ${formatDuration(wallSeconds)}${kinds.length ? '' : ' (no job ran)'}`];
  for (const k of kinds) {
    lines.push(
      `  ${k.kind.padEnd(9)} ${String(k.count).padStart(4)} job${k.count === 1 ? ' ' : 's'}  total ${formatDuration(k.totalSeconds).padEnd(11)} mean ${formatDuration(k.meanSeconds)}`,
    );
  }
  return lines.join('\n');
}

function describe(job: PlannedJob): string {
  return `${job.kind} ${job.dataset}/${job.method}/seed ${job.seed}${job.index !== undefined ? ` #${job.index}` : ''}`;
}

/** The epochs a train job's protocol asks for, when its spec says. */
function epochsOf(job: PlannedJob): number | undefined {
  const spec = job.spec as { protocol?: { epochs?: unknown } } | null;
  const e = spec && typeof spec === 'object' ? spec.protocol?.epochs : undefined;
  return typeof e === 'number' ? e : undefined;
}

export interface ProgressOptions {
  readonly tty: boolean;
  readonly quiet: boolean;
  /** The study's jobs and their status when the run starts (to know what is left). */
  readonly jobs: readonly PlannedJob[];
  readonly statusOf: (id: string) => JobStatus | undefined;
  readonly parallel?: number;
  readonly now?: () => number;
  readonly out?: NodeJS.WritableStream & { columns?: number };
}

export interface Progress {
  /** Stop listening (and redrawing). */
  detach(): void;
  /** The wall time table of the run so far. */
  summary(): string;
}

/**
 * Progress of a study on stderr: on a terminal a bar redrawn every second with elapsed time, ETA
 * and the running job's epoch; elsewhere (CI logs) one line per finished job, with elapsed time
 * and ETA; nothing with `quiet` (the times are still kept for the summary).
 */
export function attachProgress(events: StudyEvents, options: ProgressOptions): Progress {
  const now = options.now ?? (() => performance.now());
  const times = new JobTimes(now, options.parallel ?? 1);
  const out = options.out ?? process.stderr;
  const show = !options.quiet;
  let total = 0;
  let finished = 0;
  let current = '';
  const draw = () => {
    if (!show || !options.tty) return;
    const width = 24;
    const filled = total ? Math.round((finished / total) * width) : 0;
    const line = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${finished}/${total} ${formatTimes(times.elapsed(), times.eta())}  ${current}`;
    const columns = out.columns ?? 100;
    out.write(`\r${line.slice(0, columns - 1).padEnd(columns - 1)}`);
  };
  let timer: ReturnType<typeof setInterval> | undefined;
  const offs = [
    events.on('study-start', (e) => {
      total = e.total;
      finished = e.alreadyDone;
      times.begin(options.jobs.filter((j) => options.statusOf(j.id) !== 'done'));
      if (show && !options.tty) out.write(`study ${e.studyName}: ${e.total} jobs, ${e.alreadyDone} already done\n`);
      if (show && options.tty) {
        timer = setInterval(draw, 1000);
        timer.unref();
      }
      draw();
    }),
    events.on('job-start', (e) => {
      times.jobStarted(e.job);
      current = describe(e.job);
      draw();
    }),
    events.on('epoch', (e) => {
      if (options.tty) {
        const acc = e.metrics.testAccuracy !== undefined ? ` test ${e.metrics.testAccuracy.toFixed(2)}%` : '';
        const of = epochsOf(e.job);
        current = `${describe(e.job)} epoch ${e.metrics.epoch + 1}${of ? `/${of}` : ''}${acc}`;
        draw();
      }
    }),
    events.on('job-end', (e) => {
      finished++;
      times.jobEnded(e.job, e.status, e.seconds);
      if (show && !options.tty) {
        const error = e.error && e.status !== 'done' ? `: ${e.error.split('\n')[0]}` : '';
        out.write(`[${finished}/${total}] ${e.status.padEnd(7)} ${describe(e.job)} (${e.seconds.toFixed(1)} s; ${formatTimes(times.elapsed(), times.eta())})${error}\n`);
      }
      draw();
    }),
    events.on('study-end', () => {
      if (timer) clearInterval(timer);
      if (show && options.tty) out.write('\n');
    }),
  ];
  return {
    detach: () => {
      if (timer) clearInterval(timer);
      for (const off of offs) off();
    },
    summary: () => formatTimeSummary(times.elapsed(), times.perKind()),
  };
}
