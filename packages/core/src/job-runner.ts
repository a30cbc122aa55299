/**
 * Running one job in this process: skip it when done, record the attempt, resolve its plugins in
 * a child container holding the job's services, run the search, training or evaluation, store
 * the result or the error.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import type { DependencyContainer } from 'tsyringe';
import { declaredBackend, declaredBackendProblem, type DeclaredBackend } from './backend-metadata.js';
import { unimplementedCapabilities } from './capabilities.js';
import { interruptedSinceProgress } from './checkpoint-progress.js';
import type { Backend, BackendProbe, BackendSpeed, PackageVersion, Benchmark, Dataset, EvaluationResult, SearchResult, SearchSpace, Trick } from './contracts.js';
import { DivergedError, InputError } from './errors.js';
import { methodSpace } from './manifest.js';
import type { StudyEvents } from './events.js';
import type { JobOutcome, Json, PlannedJob } from './jobs.js';
import { DEFAULT_LEASE_MS, DEFAULT_MAX_INTERRUPTED, runnerGone, runnerId } from './lease.js';
import type { Logger } from './logger.js';
import { CORE_VERSION } from './plugin.js';
import { protocolForDataset } from './protocols.js';
import { discoverPlugins, loadPlugin } from './resolver.js';
import { Rng, type RngState } from './rng.js';
import { containerForSearch, observationOf } from './search-isolation.js';
import type { Provenance, ResultStore } from './store.js';
import type { Study } from './study.js';
import { Tokens, type JobContext } from './tokens.js';

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
export function provenanceOf(study: Study, _job: PlannedJob, backend?: string, threads?: number, device?: string, backendPackage?: PackageVersion): Provenance {
  const plugins: Record<string, string> = {};
  for (const b of study.host.all()) plugins[b.loaded.packageName] = b.loaded.version;
  // With `backend: auto` the backend that trained is bound to no manifest entry: add its package.
  if (backendPackage) plugins[backendPackage.name] ??= backendPackage.version;
  return {
    plugins,
    core: CORE_VERSION,
    manifestHash: study.manifest.hash,
    backend,
    ...(device !== undefined ? { device } : {}),
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
  /**
   * Stores that cannot claim jobs: a job started this many times without finishing is marked
   * failed (crash loops).
   */
  readonly maxAttempts?: number;
  /**
   * Stores that claim jobs: after this many attempts cut short by the death of the process
   * running them (kill -9, out of memory, a native crash), the job is marked failed (default 10).
   */
  readonly maxInterrupted?: number;
  /** The claim's lease (default 60 s), renewed every quarter of it while the job runs. */
  readonly leaseMs?: number;
  /** Owner id of the claims this runner takes (default: this process's `runnerId()`). */
  readonly owner?: string;
}

/** Stored result of a search job. */
export interface SearchJobResult {
  readonly architectures: string[];
  readonly cost: Json;
  readonly history: Json;
}

/** Stored result of a train job. */
export type TrainJobResult = Omit<EvaluationResult, 'source'> & { readonly arch: string; readonly wallSeconds: number; readonly device?: string };

/** Stored result of an evaluate job. */
export type EvaluateJobResult = EvaluationResult & {
  readonly arch: string;
  /** Query-based searches: test accuracy of the incumbent after every query (the anytime curve). */
  readonly anytime?: number[];
};

/**
 * Run one job in this process: skip it if the store has it done, otherwise record the attempt,
 * resolve its plugins in a child container holding the job's context, run, and store the
 * result or the error. Never throws for a job's own failure.
 */
export async function runJob(job: PlannedJob, env: JobEnvironment): Promise<JobOutcome> {
  const { study, store } = env;
  const existing = store.getJob(job.id);
  if (existing?.status === 'done') return { id: job.id, status: 'done', finishedBefore: true };
  if (existing?.status === 'diverged') return { id: job.id, status: 'diverged', error: existing.error, finishedBefore: true };
  // The evaluation of a diverged training has nothing to evaluate: it diverged too (same words).
  const divergedParent = job.parents.map((p) => store.getJob(p)).find((r) => r?.status === 'diverged');
  if (divergedParent) {
    const detail = divergedParent.error ?? 'training diverged';
    recordDiverged(store, job.id, detail, 0);
    env.events?.emit('job-end', { job, status: 'diverged', seconds: 0, error: detail });
    return { id: job.id, status: 'diverged', error: detail };
  }
  const owner = env.owner ?? runnerId();
  const leaseMs = env.leaseMs ?? DEFAULT_LEASE_MS;
  if (store.claimJob) {
    // Claimed before it starts: two runners on one store never run a job twice.
    const claim = store.claimJob(job.id, owner, leaseMs, runnerGone);
    if (!claim.claimed) {
      // Held by a live runner, or finished by one since this runner looked: nothing to do here.
      const by = claim.lease?.owner ?? 'another runner';
      if (claim.status === 'running') return { id: job.id, status: 'running', error: 'running elsewhere', elsewhere: by };
      return { id: job.id, status: claim.status, error: store.getJob(job.id)?.error, elsewhere: by };
    }
    const maxInterrupted = env.maxInterrupted ?? DEFAULT_MAX_INTERRUPTED;
    const withoutProgress = claim.interrupted > 0 ? interruptedSinceProgress(store.artefactDir(job.id), claim.interrupted) : 0;
    if (withoutProgress >= maxInterrupted) {
      const error = `gave up after ${withoutProgress} attempts cut short by the death of the process running them, none of which left a newer checkpoint (out of memory? a native crash?); \`naslab run --retry-failed\` tries again`;
      store.failJob(job.id, error, 0);
      env.events?.emit('job-end', { job, status: 'failed', seconds: 0, error });
      return { id: job.id, status: 'failed', error };
    }
  } else {
    const maxAttempts = env.maxAttempts ?? 3;
    if (existing && existing.attempts >= maxAttempts) {
      const error = `gave up after ${existing.attempts} attempts that never finished (the process died each time)`;
      store.failJob(job.id, error, 0);
      return { id: job.id, status: 'failed', error };
    }
  }
  const threads = env.threads ?? 1;
  const attempt = store.startJob(job.id, provenanceOf(study, job, undefined, threads), owner);
  env.events?.emit('job-start', { job, attempt });
  const started = performance.now();
  const logger = env.logger.child(`${job.kind} ${job.dataset}/${job.method}/seed${job.seed}${job.index !== undefined ? `#${job.index}` : ''}`);
  const controller = new AbortController();
  const forwardAbort = () => controller.abort(env.signal?.reason);
  env.signal?.addEventListener('abort', forwardAbort, { once: true });
  // The lease is renewed while the job runs; a lost lease (this process stalled past it and
  // another runner took the job) stops the job here without recording anything.
  let leaseLost = false;
  const heartbeat = store.renewLease
    ? setInterval(() => {
        if (store.renewLease!(job.id, owner, leaseMs)) return;
        leaseLost = true;
        controller.abort(new Error(`lost the claim on job ${job.id}: another runner took it`));
      }, Math.max(50, leaseMs / 4))
    : undefined;
  heartbeat?.unref();
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
  let backends: Promise<Backend[]> | undefined;
  child.register(Tokens.Backends, { useFactory: () => (backends ??= studyBackends(study, child)) });
  if (study.trainerLabel && study.host.has('trainer', study.trainerLabel)) {
    const label = study.trainerLabel;
    child.register(Tokens.Trainer, { useFactory: (c) => study.host.instantiate(c, 'trainer', label) });
  }
  try {
    const { result, backend, device, backendPackage } = await executeJob(job, env, child, jobContext);
    const seconds = (performance.now() - started) / 1000;
    store.finishJob(job.id, result, seconds, provenanceOf(study, job, backend, threads, device, backendPackage));
    env.events?.emit('job-end', { job, status: 'done', seconds });
    return { id: job.id, status: 'done' };
  } catch (e) {
    const seconds = (performance.now() - started) / 1000;
    if (leaseLost) {
      logger.warn('lost its claim to another runner; stopped');
      return { id: job.id, status: 'running', error: 'running elsewhere', elsewhere: store.getJob(job.id)?.lease?.owner ?? 'another runner' };
    }
    if (controller.signal.aborted) {
      // Interrupted, not failed: the attempt is recorded as interrupted, the job is claimable at
      // once and a rerun resumes it from its checkpoints (stores without claims keep it 'running').
      const reason = controller.signal.reason instanceof Error ? controller.signal.reason.message : 'interrupted';
      store.releaseJob?.(job.id, owner, reason);
      logger.warn('interrupted');
      return { id: job.id, status: 'running', error: 'interrupted' };
    }
    if (DivergedError.is(e)) {
      // A result of the protocol, not a failure: final (never retried), left out of means and RI.
      recordDiverged(store, job.id, e.message, seconds);
      logger.warn(e.message);
      env.events?.emit('job-end', { job, status: 'diverged', seconds, error: e.message });
      return { id: job.id, status: 'diverged', error: e.message };
    }
    const error = e instanceof Error ? (e instanceof InputError ? e.message : `${e.message}\n${e.stack ?? ''}`) : String(e);
    store.failJob(job.id, error, seconds);
    logger.error(`failed: ${e instanceof Error ? e.message : String(e)}`);
    env.events?.emit('job-end', { job, status: 'failed', seconds, error });
    return { id: job.id, status: 'failed', error };
  } finally {
    if (heartbeat) clearInterval(heartbeat);
    env.signal?.removeEventListener('abort', forwardAbort);
  }
}

async function executeJob(
  job: PlannedJob,
  env: JobEnvironment,
  c: DependencyContainer,
  ctx: JobContext,
): Promise<{ result: Json; backend?: string; device?: string; backendPackage?: PackageVersion }> {
  const { study } = env;
  const space = await spaceFor(study, c, job.method);
  if (job.kind === 'search') return { result: (await runSearch(job, env, c, ctx, space)) as unknown as Json };
  const archText = architectureOf(env.store, job);
  const arch = space.parse(archText);
  if (job.kind === 'train') {
    const { backendPackage, ...r } = await runTrain(job, env, c, ctx, space, arch, archText);
    // The package goes to the provenance, not into the result.
    return { result: r as unknown as Json, backend: r.backend, device: r.device, backendPackage };
  }
  const r = await runEvaluate(job, env, c, space, arch, archText);
  return { result: r as unknown as Json, backend: r.backend };
}

/** The space the job's method searches, with every capability it declares really there. */
async function spaceFor(study: Study, c: DependencyContainer, methodLabel: string): Promise<SearchSpace<unknown>> {
  const { host, manifest } = study;
  const label = methodSpace(manifest, methodLabel).label;
  const space = (await host.instantiate(c, 'space', label)) as SearchSpace<unknown>;
  const bound = host.get('space', label);
  const broken = unimplementedCapabilities(space, bound.loaded.definition.capabilities ?? []);
  if (broken.length) throw new Error(`${bound.loaded.packageName} declares capabilities its space does not implement: ${broken.join('; ')}`);
  return space;
}

async function benchmarkFor(study: Study, c: DependencyContainer): Promise<Benchmark<unknown> | undefined> {
  const label = study.manifest.benchmark?.label;
  return label ? ((await study.host.instantiate(c, 'benchmark', label)) as Benchmark<unknown>) : undefined;
}

async function runSearch(job: PlannedJob, env: JobEnvironment, c: DependencyContainer, ctx: JobContext, space: SearchSpace<unknown>): Promise<SearchJobResult> {
  const { study, store } = env;
  const { host, manifest } = study;
  const bound = host.get('method', job.method);
  const sealed = containerForSearch(c, host, study.searchFrom, ctx, bound.loaded.packageName);
  const dataset = manifest.benchmark ? lookupOnlyDataset(job.dataset, manifest.benchmark.id) : ((await host.instantiate(sealed, 'dataset', job.dataset)) as Dataset);
  const method = await host.instantiate(sealed, 'method', job.method);
  const benchmark = bound.loaded.definition.needsBenchmark ? await benchmarkFor(study, c) : undefined;
  const benchmarkName = manifest.benchmark?.id ?? '';
  let queries = 0;
  // Benchmarks with a simulated wall-clock budget (NB201's own protocol): queries cost the
  // seconds their observations report, and none is answered once the budget is spent.
  const queryContext: { dataset: string; rng: Rng } = { dataset: job.dataset, rng: ctx.rng.split('benchmark-observations') };
  const timeBudget = benchmark?.searchTimeBudget?.(queryContext);
  let seconds = 0;
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
    backends: await c.resolve(Tokens.Backends),
    query: benchmark
      ? async (arch) => {
          if (timeBudget !== undefined && seconds >= timeBudget) {
            throw new Error(`${bound.loaded.packageName}: the time budget of ${timeBudget} simulated seconds is spent (${seconds.toFixed(1)} s in ${queries} queries); a search stops when it is`);
          }
          queries++;
          const o = await observationOf(benchmark, arch, space.format(arch), queryContext, benchmarkName);
          if (timeBudget !== undefined) {
            if (o.seconds === undefined) throw new Error(`benchmark ${benchmarkName} sets a time budget but gives no seconds for ${space.format(arch)}`);
            seconds += o.seconds;
          }
          return o;
        }
      : undefined,
    ...(benchmark ? { queryStream: { state: () => queryContext.rng.state(), restore: (state: RngState) => void (queryContext.rng = Rng.fromState(state)) } } : {}),
    ...(timeBudget !== undefined ? { timeBudget } : {}),
    recordMetric: (step, values) => store.recordEpoch(job.id, { epoch: step, lr: 0, trainLoss: Number.NaN, trainAccuracy: Number.NaN, seconds: 0, ...values }),
  });
  const expected = bound.loaded.definition.outputs?.(bound.options) ?? 1;
  if (result.architectures.length !== expected) {
    throw new Error(`${bound.loaded.packageName} returned ${result.architectures.length} architectures, its definition promises ${expected}`);
  }
  return {
    architectures: result.architectures.map((a) => space.format(a)),
    cost: { wallSeconds: (performance.now() - started) / 1000, ...(benchmark ? { queries } : {}), ...(timeBudget !== undefined ? { simulatedSeconds: seconds } : {}), ...(result.cost ?? {}) } as Json,
    history: result.history ?? null,
  };
}

async function runTrain(
  job: PlannedJob,
  env: JobEnvironment,
  c: DependencyContainer,
  ctx: JobContext,
  space: SearchSpace<unknown>,
  arch: unknown,
  archText: string,
): Promise<TrainJobResult & { backendPackage?: PackageVersion }> {
  const { study, store } = env;
  const { host } = study;
  const dataset = (await host.instantiate(c, 'dataset', job.dataset)) as Dataset;
  const trainer = await host.instantiate(c, 'trainer', study.trainerLabel ?? 'default');
  const named = study.protocols.find((p) => p.name === job.protocol);
  if (!named) throw new Error(`protocol "${job.protocol}" is not in the manifest`);
  const protocol = protocolForDataset(named, study.manifest.datasets.find((d) => d.label === job.dataset));
  const tricks: Trick[] = [];
  for (const t of protocol.tricks) tricks.push(await host.instantiate(c, 'trick', t.label));
  const { source: _source, tricks: _refs, trainSeed: _trainSeed, ...knobs } = protocol;
  const r = await trainer.trainFromScratch({
    arch,
    archText,
    space,
    dataset,
    protocol: knobs as typeof knobs & { name: string },
    tricks,
    backends: await c.resolve(Tokens.Backends),
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
  return {
    arch: archText,
    finalAccuracy: r.finalAccuracy,
    bestAccuracy: r.bestAccuracy,
    top5: r.finalTop5,
    params: r.params,
    flops: r.flops,
    backend: r.backend,
    ...(r.device !== undefined ? { device: r.device } : {}),
    ...(r.backendPackage !== undefined ? { backendPackage: r.backendPackage } : {}),
    wallSeconds: r.wallSeconds,
  };
}

async function runEvaluate(job: PlannedJob, env: JobEnvironment, c: DependencyContainer, space: SearchSpace<unknown>, arch: unknown, archText: string): Promise<EvaluateJobResult> {
  const parent = env.store.getJob(job.parents[0]!);
  if (parent?.kind === 'train') {
    const r = parent.result as unknown as TrainJobResult;
    return { ...r, source: 'trained' };
  }
  const benchmark = await benchmarkFor(env.study, c);
  if (!benchmark) throw new Error('evaluate job of a search has no benchmark to query');
  const context = { dataset: job.dataset };
  const r = await benchmark.query(arch, archText, context);
  const anytime = (job.index ?? 0) === 0 ? await anytimeTestCurve(parent?.result, space, benchmark, context) : undefined;
  return { ...r, arch: archText, ...(anytime ? { anytime } : {}) };
}

/**
 * The test accuracy of a query-based search's incumbent after every query (anytime curves),
 * from the search's own trajectory (`{ arch, accuracy }` per query): computed here, in the
 * evaluation job, because the search itself never sees test accuracy.
 */
async function anytimeTestCurve(searchResult: Json | undefined, space: SearchSpace<unknown>, benchmark: Benchmark<unknown>, context: { dataset: string }): Promise<number[] | undefined> {
  const trajectory = ((searchResult as { history?: { trajectory?: unknown } } | null | undefined)?.history?.trajectory ?? undefined) as unknown;
  if (!Array.isArray(trajectory) || trajectory.length === 0) return undefined;
  const testOf = new Map<string, number>();
  const curve: number[] = [];
  let incumbent: string | undefined;
  let best = Number.NEGATIVE_INFINITY;
  for (const record of trajectory as Array<{ arch?: unknown; accuracy?: unknown }>) {
    if (typeof record?.arch !== 'string' || typeof record.accuracy !== 'number') return undefined;
    // The first architecture to reach the best accuracy stays the incumbent (QueryBudget's rule).
    if (record.accuracy > best) {
      best = record.accuracy;
      incumbent = record.arch;
    }
    const key = incumbent!;
    let test = testOf.get(key);
    if (test === undefined) {
      test = (await benchmark.query(space.parse(key), key, context)).finalAccuracy;
      testOf.set(key, test);
    }
    curve.push(test);
  }
  return curve;
}


function recordDiverged(store: ResultStore, id: string, detail: string, seconds: number): void {
  if (store.divergeJob) store.divergeJob(id, detail, seconds);
  else store.failJob(id, detail, seconds);
}

/**
 * A job's random stream. It depends on what the job computes, never on scheduling order. Train
 * jobs of one architecture share their stream across protocols (same initial weights, same batch
 * order), so an ablation's differences are the protocols', not the seeds'.
 */
export function jobRng(job: PlannedJob): Rng {
  if (job.randomKey) return new Rng(job.randomKey);
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

/**
 * The backends a job may use: those the manifest lists, in its order, or with `auto` every
 * installed backend plugin (found by name or the `naslab-plugin` keyword), ranked by the priority
 * its definition declares. Each is created, and its heavy parts imported, only when first probed.
 * Exported for the CLI, which probes them once per run to say which one will train.
 */
export async function studyBackends(study: Study, c: DependencyContainer = study.container.createChildContainer()): Promise<Backend[]> {
  const { manifest, host } = study;
  if (!manifest.backends.includes('auto')) {
    return manifest.backends.map((b) => {
      const bound = host.get('backend', b);
      return lazyBackend(bound.loaded.definition.id, bound.loaded.definition.priority, () => host.instantiate(c, 'backend', b), bound.loaded.definition.speed, { name: bound.loaded.packageName, version: bound.loaded.version });
    });
  }
  const found: Backend[] = [];
  for (const pkg of discoverPlugins(study.searchFrom, { kind: 'backend' })) {
    // Ranked and pre-checked from its package.json: imported only if probing reaches it.
    const declared = declaredBackend(pkg.pkg);
    if (declared) {
      const create = async (): Promise<Backend> => {
        let def: Awaited<ReturnType<typeof loadPlugin<'backend'>>>['definition'];
        try {
          def = (await loadPlugin('backend', pkg.name, { searchFrom: [], packageDir: pkg.dir })).definition;
        } catch (e) {
          // Not loadable here: unavailable, as an undeclared one is skipped (`naslab plugins` says why).
          return unavailableBackend(declared, { available: false, reason: `${pkg.name} does not load: ${(e as Error).message.split('\n')[0]}` });
        }
        return def.create({ options: def.options ? def.options.parse({}) : {}, label: def.id, resolve: (t) => c.resolve(t) });
      };
      const problem = declaredBackendProblem(pkg.dir, declared);
      found.push(problem ? unavailableBackend(declared, problem) : lazyBackend(declared.id, declared.priority, create, declared.speed, { name: pkg.name, version: pkg.version }));
      continue;
    }
    let loaded: Awaited<ReturnType<typeof loadPlugin<"backend">>>;
    try {
      loaded = await loadPlugin('backend', pkg.name, { searchFrom: [], packageDir: pkg.dir });
    } catch {
      continue; // another kind, or not loadable here: `naslab plugins` says why
    }
    const def = loaded.definition;
    found.push(lazyBackend(def.id, def.priority, () => Promise.resolve(def.create({ options: def.options ? def.options.parse({}) : {}, label: def.id, resolve: (t) => c.resolve(t) })), def.speed, { name: pkg.name, version: pkg.version }));
  }
  return found.sort((a, b) => (b.priority ?? 0) - (a.priority ?? 0));
}

/** A backend its package's light check ruled out: it says why, and its package is never imported. */
function unavailableBackend(declared: DeclaredBackend, problem: BackendProbe): Backend {
  return {
    name: declared.id,
    priority: declared.priority,
    ...(declared.speed ? { speed: declared.speed } : {}),
    probe: async () => problem,
  } as Backend;
}

/**
 * A backend created on first use: ranking reads only the definition; `probe` and whatever the
 * trainer calls (the engine's `activate`) create the plugin first.
 */
export function lazyBackend(name: string, priority: number, create: () => Promise<Backend>, speed?: BackendSpeed, pkg?: PackageVersion): Backend {
  let made: Promise<Backend> | undefined;
  const get = () => (made ??= create());
  return new Proxy({ name, priority, ...(speed ? { speed } : {}), ...(pkg ? { package: pkg } : {}) } as Backend, {
    get(target, key) {
      if (key in target) return (target as unknown as Record<string | symbol, unknown>)[key];
      if (key === 'then' || typeof key === 'symbol') return undefined;
      return async (...args: unknown[]) => {
        const b = (await get()) as unknown as Record<string, (...a: unknown[]) => unknown>;
        if (typeof b[key] !== 'function') throw new Error(`backend ${name} has no ${key}()`);
        return b[key](...args);
      };
    },
  });
}
