// tsyringe needs the Reflect metadata API before it is loaded.
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import type {
  Backend,
  Benchmark,
  Dataset,
  EvaluationResult,
  Json,
  PluginKind,
  SearchResult,
  SearchSpace,
  Trick,
} from './contracts.js';
import { formatPath, InputError } from './errors.js';
import type { StudyEvents } from './events.js';
import type { ExecutorContext, JobOutcome } from './executor.js';
import type { Logger } from './logger.js';
import type { Manifest, PluginRef, ResolvedProtocol } from './manifest.js';
import { dataKey, planStudy, type PlannedJob } from './planner.js';
import { loadPlugin, PluginHost } from './resolver.js';
import { Rng } from './rng.js';
import type { JobStatus, Provenance, ResultStore } from './store.js';
import { Tokens, type JobContext } from './tokens.js';

const coreVersion: string = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version;

/** A manifest with its plugins loaded, validated and bound in a container. */
export interface Study {
  readonly manifest: Manifest;
  readonly host: PluginHost;
  readonly container: DependencyContainer;
  readonly trainerLabel?: string;
  /** The protocols train jobs use, by name (one unless the study is an ablation). */
  readonly protocols: readonly ResolvedProtocol[];
  readonly jobs: PlannedJob[];
}

export interface PrepareOptions {
  /** Folders to look for plugin packages from (the manifest's folder is always first). */
  readonly searchFrom?: readonly string[];
  /** Trainer used when the manifest names none (the CLI passes the engine's). */
  readonly defaultTrainer?: string;
  /** Parent container (tests pass their own). */
  readonly container?: DependencyContainer;
}

/**
 * Load every plugin the manifest names (and only those), validate their options against the
 * plugins' schemas, bind them in a child container and plan the job DAG. All problems of one
 * kind are reported together, each with file:line:column and field.
 */
export async function prepareStudy(manifest: Manifest, options: PrepareOptions = {}): Promise<Study> {
  const container = (options.container ?? rootContainer).createChildContainer();
  const host = new PluginHost(container);
  const searchFrom = [manifest.dir, ...(options.searchFrom ?? []), process.cwd()];
  const problems: InputError[] = [];
  const bind = async (kind: PluginKind, ref: PluginRef) => {
    try {
      const where = { file: manifest.file, ...manifest.locate(ref.path), path: formatPath(ref.path) };
      const loaded = await loadPlugin(kind, ref.id, { searchFrom, where });
      host.bind(kind, loaded, ref, manifest);
    } catch (e) {
      if (e instanceof InputError) problems.push(e);
      else throw e;
    }
  };
  // With a benchmark, datasets name the benchmark's own tables: nothing to load.
  if (!manifest.benchmark) for (const d of manifest.datasets) await bind('dataset', d);
  await bind('space', manifest.space);
  for (const m of manifest.methods) await bind('method', m);
  // Every trick of every protocol (an ablation adds tricks beyond the base protocol's).
  const tricks = new Map<string, PluginRef>();
  for (const p of manifest.protocols) for (const t of p.tricks) if (!tricks.has(t.label)) tricks.set(t.label, t);
  for (const t of tricks.values()) await bind('trick', t);
  if (manifest.benchmark) await bind('benchmark', manifest.benchmark);
  await bind('executor', manifest.executor);
  let trainerLabel = manifest.trainer?.label;
  if (manifest.trainer) await bind('trainer', manifest.trainer);
  else if (!manifest.benchmark && options.defaultTrainer) {
    trainerLabel = 'default';
    await bind('trainer', { id: options.defaultTrainer, label: 'default', options: {}, path: ['trainer'] });
  }
  for (const b of manifest.backends) {
    if (b !== 'auto') await bind('backend', { id: b, label: b, options: {}, path: ['backend'] });
  }
  if (problems.length) throw new InputError(problems.flatMap((p) => p.problems));

  for (const m of manifest.methods) {
    const def = host.get('method', m.label).loaded.definition;
    if (def.needsBenchmark && !manifest.benchmark) {
      throw new InputError({
        file: manifest.file,
        ...manifest.locate(m.path),
        path: formatPath(m.path),
        message: `method "${m.label}" queries a tabular benchmark; add a \`benchmark:\` to the manifest`,
      });
    }
  }
  const dataIdentities = await identifyData(manifest, host);
  const protocols = manifest.protocols;
  const jobs = planStudy(manifest, host, { trainerLabel, protocols, dataIdentities });
  return { manifest, host, container, trainerLabel, protocols, jobs };
}

/** The data identity of every dataset and benchmark plugin that reports one (all problems together). */
async function identifyData(manifest: Manifest, host: PluginHost): Promise<Map<string, string>> {
  const identities = new Map<string, string>();
  const problems: InputError[] = [];
  const refs: [PluginKind, PluginRef][] = manifest.benchmark ? [['benchmark', manifest.benchmark]] : manifest.datasets.map((d) => ['dataset', d]);
  for (const [kind, ref] of refs) {
    const bound = host.get(kind, ref.label);
    const identify = bound.loaded.definition.dataIdentity;
    if (!identify) continue;
    try {
      identities.set(dataKey(kind, ref.label), await identify(bound.options));
    } catch (e) {
      problems.push(
        new InputError({
          file: manifest.file,
          ...manifest.locate(ref.path),
          path: formatPath(ref.path),
          message: `${bound.loaded.packageName} cannot read its data: ${e instanceof Error ? e.message : String(e)}`,
        }),
      );
    }
  }
  if (problems.length) throw new InputError(problems.flatMap((p) => p.problems));
  return identities;
}

let gitCommitCache: Map<string, string | undefined> | undefined;
function gitCommit(dir: string): string | undefined {
  gitCommitCache ??= new Map();
  if (!gitCommitCache.has(dir)) {
    try {
      gitCommitCache.set(dir, execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim());
    } catch {
      gitCommitCache.set(dir, undefined);
    }
  }
  return gitCommitCache.get(dir);
}

/** What produced a job's result. */
export function provenanceOf(study: Study, job: PlannedJob, backend?: string, threads?: number): Provenance {
  const plugins: Record<string, string> = {};
  for (const b of study.host.all()) plugins[b.loaded.packageName] = b.loaded.version;
  return {
    plugins,
    core: coreVersion,
    manifestHash: study.manifest.hash,
    backend,
    threads,
    gitCommit: gitCommit(study.manifest.dir),
    node: process.version,
    host: { platform: process.platform, arch: process.arch, cpus: os.cpus().length },
  };
}

export interface JobEnvironment {
  readonly study: Study;
  readonly store: ResultStore;
  readonly logger: Logger;
  readonly events?: StudyEvents;
  readonly signal?: AbortSignal;
  /** CPU threads this job may use. */
  readonly threads?: number;
  /** A job started this many times without finishing is marked failed (crash loops). */
  readonly maxAttempts?: number;
}

/** Stored result of a search job. */
export interface SearchJobResult {
  readonly architectures: string[];
  readonly cost: Json;
  readonly history: Json;
}

/** Stored result of a train job. */
export type TrainJobResult = Omit<EvaluationResult, 'source'> & { readonly arch: string; readonly wallSeconds: number };

/** Stored result of an evaluate job. */
export type EvaluateJobResult = EvaluationResult & { readonly arch: string };

/**
 * Run one job in this process: skip it if the store has it done, otherwise record the attempt,
 * resolve its plugins in a child container holding the job's context, run, and store the
 * result or the error. Never throws for a job's own failure.
 */
export async function runJob(job: PlannedJob, env: JobEnvironment): Promise<JobOutcome> {
  const { study, store } = env;
  const existing = store.getJob(job.id);
  if (existing?.status === 'done') return { id: job.id, status: 'done' };
  const maxAttempts = env.maxAttempts ?? 3;
  if (existing && existing.attempts >= maxAttempts) {
    const error = `gave up after ${existing.attempts} attempts that never finished (the process died each time)`;
    store.failJob(job.id, error, 0);
    return { id: job.id, status: 'failed', error };
  }
  const threads = env.threads ?? 1;
  const attempt = store.startJob(job.id, provenanceOf(study, job, undefined, threads));
  env.events?.emit('job-start', { job, attempt });
  const started = performance.now();
  const logger = env.logger.child(`${job.kind} ${job.dataset}/${job.method}/seed${job.seed}${job.index !== undefined ? `#${job.index}` : ''}`);
  const controller = new AbortController();
  const forwardAbort = () => controller.abort(env.signal?.reason);
  env.signal?.addEventListener('abort', forwardAbort, { once: true });
  const jobContext: JobContext = {
    job,
    studyName: study.manifest.name,
    seed: job.seed,
    rng: jobRng(job),
    logger,
    store,
    signal: controller.signal,
    artefactDir: store.artefactDir(job.id),
    threads,
  };
  const child = study.container.createChildContainer();
  child.register(Tokens.JobContext, { useValue: jobContext });
  child.register(Tokens.Seed, { useValue: job.seed });
  child.register(Tokens.Rng, { useValue: jobContext.rng });
  child.register(Tokens.Logger, { useValue: logger });
  child.register(Tokens.Store, { useValue: store });
  child.register(Tokens.Signal, { useValue: controller.signal });
  if (env.events) child.register(Tokens.Events, { useValue: env.events });
  try {
    const { result, backend } = await executeJob(job, env, child, jobContext);
    const seconds = (performance.now() - started) / 1000;
    store.finishJob(job.id, result, seconds, provenanceOf(study, job, backend, threads));
    env.events?.emit('job-end', { job, status: 'done', seconds });
    return { id: job.id, status: 'done' };
  } catch (e) {
    const seconds = (performance.now() - started) / 1000;
    if (controller.signal.aborted) {
      // Interrupted, not failed: the job stays 'running' in the store and a rerun resumes it.
      logger.warn('interrupted');
      return { id: job.id, status: 'running', error: 'interrupted' };
    }
    const error = e instanceof Error ? (e instanceof InputError ? e.message : `${e.message}\n${e.stack ?? ''}`) : String(e);
    store.failJob(job.id, error, seconds);
    logger.error(`failed: ${e instanceof Error ? e.message : String(e)}`);
    env.events?.emit('job-end', { job, status: 'failed', seconds, error });
    return { id: job.id, status: 'failed', error };
  } finally {
    env.signal?.removeEventListener('abort', forwardAbort);
  }
}

async function executeJob(
  job: PlannedJob,
  env: JobEnvironment,
  c: DependencyContainer,
  ctx: JobContext,
): Promise<{ result: Json; backend?: string }> {
  const { study, store } = env;
  const { host, manifest } = study;
  const space = (await host.instantiate(c, 'space', manifest.space.label)) as SearchSpace<unknown>;
  const benchmarkFor = async () => (manifest.benchmark ? ((await host.instantiate(c, 'benchmark', manifest.benchmark.label)) as Benchmark<unknown>) : undefined);

  const datasetFor = async (): Promise<Dataset> =>
    manifest.benchmark ? lookupOnlyDataset(job.dataset, manifest.benchmark.id) : ((await host.instantiate(c, 'dataset', job.dataset)) as Dataset);

  if (job.kind === 'search') {
    const dataset = await datasetFor();
    const method = await host.instantiate(c, 'method', job.method);
    const bound = host.get('method', job.method);
    const benchmark = bound.loaded.definition.needsBenchmark ? await benchmarkFor() : undefined;
    let queries = 0;
    const started = performance.now();
    const result: SearchResult<unknown> = await method.search({
      space,
      dataset,
      rng: ctx.rng,
      seed: job.seed,
      logger: ctx.logger,
      signal: ctx.signal,
      checkpointDir: ctx.artefactDir,
      threads: ctx.threads,
      backends: await backendsFor(study, c),
      query: benchmark
        ? async (arch) => {
            queries++;
            return benchmark.query(arch, space.format(arch), { dataset: job.dataset });
          }
        : undefined,
      recordMetric: (step, values) => store.recordEpoch(job.id, { epoch: step, lr: 0, trainLoss: Number.NaN, trainAccuracy: Number.NaN, seconds: 0, ...values }),
    });
    const expected = bound.loaded.definition.outputs?.(bound.options) ?? 1;
    if (result.architectures.length !== expected) {
      throw new Error(`${bound.loaded.packageName} returned ${result.architectures.length} architectures, its definition promises ${expected}`);
    }
    const out: SearchJobResult = {
      architectures: result.architectures.map((a) => space.format(a)),
      cost: { wallSeconds: (performance.now() - started) / 1000, ...(benchmark ? { queries } : {}), ...(result.cost ?? {}) } as Json,
      history: result.history ?? null,
    };
    return { result: out as unknown as Json };
  }

  const archText = architectureOf(store, job);
  const arch = space.parse(archText);

  if (job.kind === 'train') {
    const dataset = (await host.instantiate(c, 'dataset', job.dataset)) as Dataset;
    const trainer = await host.instantiate(c, 'trainer', study.trainerLabel ?? 'default');
    const protocol = study.protocols.find((p) => p.name === job.protocol);
    if (!protocol) throw new Error(`protocol "${job.protocol}" is not in the manifest`);
    const tricks: Trick[] = [];
    for (const t of protocol.tricks) tricks.push(await host.instantiate(c, 'trick', t.label));
    const r = await trainer.trainFromScratch({
      arch,
      archText,
      space,
      dataset,
      protocol,
      tricks,
      backends: await backendsFor(study, c),
      rng: ctx.rng,
      seed: job.seed,
      checkpointDir: ctx.artefactDir,
      signal: ctx.signal,
      logger: ctx.logger,
      threads: ctx.threads,
      onEpoch: (metrics) => {
        store.recordEpoch(job.id, metrics);
        env.events?.emit('epoch', { job, metrics });
      },
    });
    const out: TrainJobResult = {
      arch: archText,
      finalAccuracy: r.finalAccuracy,
      bestAccuracy: r.bestAccuracy,
      top5: r.finalTop5,
      params: r.params,
      flops: r.flops,
      backend: r.backend,
      wallSeconds: r.wallSeconds,
    };
    return { result: out as unknown as Json, backend: r.backend };
  }

  // evaluate
  const parent = store.getJob(job.parents[0]!);
  if (parent?.kind === 'train') {
    const r = parent.result as unknown as TrainJobResult;
    const out: EvaluateJobResult = { ...r, source: 'trained' };
    return { result: out as unknown as Json, backend: r.backend };
  }
  const benchmark = await benchmarkFor();
  if (!benchmark) throw new Error('evaluate job of a search has no benchmark to query');
  const r = await benchmark.query(arch, archText, { dataset: job.dataset });
  const out: EvaluateJobResult = { ...r, arch: archText };
  return { result: out as unknown as Json };
}

/**
 * A job's random stream. It depends on what the job computes, never on scheduling order. Train
 * jobs of one architecture share their stream across protocols (same initial weights, same batch
 * order), so an ablation's differences are the protocols', not the seeds'.
 */
export function jobRng(job: PlannedJob): Rng {
  if (job.kind === 'train') return new Rng(`train/${job.parents[0]}/${job.index ?? 0}`);
  return new Rng(`${job.kind}/${job.id}`);
}

/** Stands in for a dataset in a look-up study: methods that query the benchmark never load data. */
function lookupOnlyDataset(label: string, benchmark: string): Dataset {
  const fail = () => {
    throw new Error(`dataset "${label}" is a table of benchmark ${benchmark} in this study; there are no images to load (use a dataset plugin and no benchmark to train)`);
  };
  return {
    info: { name: label, classes: 0, shape: [0, 0, 0], mean: [], std: [], sizes: { train: 0, test: 0, 'search-train': 0, 'search-valid': 0 } },
    load: async () => fail(),
  };
}

/** The architecture a train/evaluate job works on: its search's output at `index`. */
function architectureOf(store: ResultStore, job: PlannedJob): string {
  let id = job.parents[0]!;
  let rec = store.getJob(id);
  if (rec?.kind === 'train') rec = store.getJob((id = (rec.spec as { search: string }).search));
  const archs = (rec?.result as unknown as SearchJobResult | undefined)?.architectures;
  const arch = archs?.[job.index ?? 0];
  if (rec?.status !== 'done' || arch === undefined) throw new Error(`search job ${id} has no architecture #${job.index}`);
  return arch;
}

async function backendsFor(study: Study, c: DependencyContainer): Promise<Backend[]> {
  const out: Backend[] = [];
  for (const b of study.manifest.backends) if (b !== 'auto') out.push(await study.host.instantiate(c, 'backend', b));
  return out;
}

export interface RunOptions extends Omit<JobEnvironment, 'study'> {
  /** `--workers N` from the command line (overrides the executor's option). */
  readonly workers?: number;
  /** Entry of the worker process: `node <entry> ...args <jobId>` runs one job. */
  readonly worker: { entry: string; args: readonly string[] };
  /** Run failed jobs again (by default a failed job stays failed). */
  readonly retryFailed?: boolean;
  /** Submit and return (executors with `ingest`); `naslab status` brings the results in later. */
  readonly detach?: boolean;
}

export interface StudySummary {
  readonly total: number;
  readonly done: number;
  readonly failed: number;
  readonly skipped: number;
  readonly ranNow: number;
}

/** Record the study in the store and run every job not yet done through the executor. */
export async function runStudy(study: Study, options: RunOptions): Promise<StudySummary> {
  const { store } = options;
  const { manifest, jobs } = study;
  store.saveStudy(
    { name: manifest.name, manifestFile: manifest.file, manifestHash: manifest.hash, createdAt: new Date().toISOString(), jobIds: jobs.map((j) => j.id) },
    jobs,
  );
  if (options.retryFailed) {
    for (const j of jobs) if (['failed', 'skipped'].includes(store.getJob(j.id)?.status ?? '')) store.resetJob(j.id);
  }
  const status = (id: string): JobStatus => store.getJob(id)?.status ?? 'pending';
  const alreadyDone = jobs.filter((j) => status(j.id) === 'done').length;
  options.events?.emit('study-start', { studyName: manifest.name, total: jobs.length, alreadyDone });
  let ranNow = 0;
  const env: JobEnvironment = { ...options, study };
  const executor = await study.host.instantiate(study.container.createChildContainer(), 'executor', manifest.executor.label);
  const ctx: ExecutorContext = {
    jobs,
    statusOf: status,
    runInProcess: async (job) => {
      ranNow++;
      return runJob(job, env);
    },
    worker: { entry: options.worker.entry, args: options.worker.args },
    outcomeOf: (id) => {
      ranNow++;
      const rec = store.getJob(id);
      return { id, status: rec?.status ?? 'pending', error: rec?.error };
    },
    fail: (job, error) => {
      store.failJob(job.id, error, 0);
      options.events?.emit('job-end', { job, status: 'failed', seconds: 0, error });
    },
    skip: (job, reason) => {
      store.skipJob(job.id, reason);
      options.events?.emit('job-end', { job, status: 'skipped', seconds: 0, error: reason });
    },
    workers: options.workers,
    signal: options.signal ?? new AbortController().signal,
    store,
    events: options.events,
    detach: options.detach,
    logger: options.logger,
  };
  await executor.execute(ctx);
  const count = (s: JobStatus) => jobs.filter((j) => status(j.id) === s).length;
  const summary = { total: jobs.length, done: count('done'), failed: count('failed'), skipped: count('skipped'), ranNow };
  options.events?.emit('study-end', { studyName: manifest.name, done: summary.done, failed: summary.failed, skipped: summary.skipped });
  return summary;
}
