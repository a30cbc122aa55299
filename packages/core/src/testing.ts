/**
 * `@naslab/core/testing`: what a plugin's own tests need to run it outside a study — its options
 * parsed by its schema, a container with the job services a study would give it, a search
 * context, a synthetic image dataset, an executor context over a toy DAG. No test framework is
 * imported: tests assert with their own.
 */
import 'reflect-metadata';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { container as rootContainer } from 'tsyringe';
import type { Benchmark, Dataset, DatasetSplit, ImageSet, PluginKind, SearchContext, SearchObservation, SearchSpace } from './contracts.js';
import type { ExecutorContext } from './executor.js';
import type { JobOutcome, JobStatus, PlannedJob } from './jobs.js';
import { createLogger, silentLogger, type Logger } from './logger.js';
import { InMemoryResultStore } from './memory-store.js';
import type { PluginDefinition, PluginInstances } from './plugin.js';
import { registerProvidedServices } from './plugin.js';
import { pluginFactory } from './plugin-factory.js';
import { Rng } from './rng.js';
import { observationOf } from './search-isolation.js';
import { Tokens } from './tokens.js';

export interface TestPluginOptions {
  /** Options as a manifest would give them (the plugin's schema fills defaults). */
  readonly options?: Record<string, unknown>;
  readonly label?: string;
  /** Seed of the job stream `Tokens.Rng` gives (default 0). */
  readonly seed?: number;
  readonly logger?: Logger;
  /** Other plugins of the study whose `provides` the plugin resolves (e.g. its space's services). */
  readonly with?: readonly PluginDefinition[];
  /** Where `Tokens.Plugins` looks for packages (default: the current folder). */
  readonly searchFrom?: readonly string[];
}

/**
 * Create a plugin as a job would: options parsed by its schema, its `provides` (and those of the
 * plugins `with` it) registered, and a container holding `Tokens.Seed`, `Tokens.Rng`,
 * `Tokens.Logger`, `Tokens.Signal` and `Tokens.Plugins`.
 */
export async function createTestPlugin<K extends PluginKind>(definition: PluginDefinition<K>, o: TestPluginOptions = {}): Promise<PluginInstances[K]> {
  const c = rootContainer.createChildContainer();
  const seed = o.seed ?? 0;
  c.register(Tokens.Seed, { useValue: seed });
  c.register(Tokens.Rng, { useValue: new Rng(`test/${seed}`) });
  c.register(Tokens.Logger, { useValue: o.logger ?? silentLogger });
  c.register(Tokens.Signal, { useValue: new AbortController().signal });
  for (const other of o.with ?? []) registerProvidedServices(c, other);
  registerProvidedServices(c, definition);
  c.register(Tokens.Plugins, { useFactory: (r) => pluginFactory(r, o.searchFrom ?? [process.cwd()]) });
  const options: unknown = definition.options ? definition.options.parse(o.options ?? {}) : (o.options ?? {});
  return (await definition.create({ options, label: o.label ?? definition.id, resolve: (t) => c.resolve(t) })) as PluginInstances[K];
}

/**
 * A search context on `space`: a seeded stream, no data unless given, and a `query` when given
 * one or a `benchmark` (queried as a study would: the search metric only, never test accuracy).
 */
export function testSearchContext<A>(
  space: SearchSpace<A>,
  o: { seed?: number; dataset?: Dataset; query?: (arch: A) => Promise<SearchObservation>; benchmark?: Benchmark<A>; benchmarkDataset?: string; checkpointDir?: string } = {},
): SearchContext<A> & { readonly metrics: Array<{ step: number; values: Record<string, number> }> } {
  const seed = o.seed ?? 0;
  const { benchmark } = o;
  const query = o.query ?? (benchmark ? (arch: A) => observationOf(benchmark, arch, space.format(arch), { dataset: o.benchmarkDataset ?? 'test' }, 'under test') : undefined);
  const metrics: Array<{ step: number; values: Record<string, number> }> = [];
  return {
    space,
    dataset: o.dataset ?? syntheticImageDataset(),
    rng: new Rng(`test/${seed}`),
    seed,
    logger: createLogger({ level: 'error' }),
    signal: new AbortController().signal,
    checkpointDir: o.checkpointDir ?? '',
    threads: 1,
    query,
    backends: [],
    recordMetric: (step, values) => metrics.push({ step, values }),
    metrics,
  };
}

/**
 * Labelled noise images whose class is visible (class k brightens one of `classes` bands), as
 * uint8 NHWC: a dataset a network can learn a little, generated from `seed`.
 */
export function syntheticImageDataset(o: { classes?: number; shape?: readonly [number, number, number]; train?: number; test?: number; seed?: string } = {}): Dataset {
  const classes = o.classes ?? 2;
  const shape = o.shape ?? [8, 8, 1];
  const make = (count: number, key: string): ImageSet => {
    const rng = new Rng(`${o.seed ?? 'synthetic'}/${key}`);
    const [h, w, c] = shape;
    const per = h * w * c;
    const pixels = new Uint8Array(count * per);
    const labels = new Int32Array(count);
    for (let n = 0; n < count; n++) {
      const k = rng.int(classes);
      labels[n] = k;
      for (let i = 0; i < per; i++) {
        const row = Math.floor(i / (w * c));
        const band = Math.floor((row * classes) / h) === k ? 80 : 0;
        pixels[n * per + i] = Math.min(255, 60 + band + rng.int(100));
      }
    }
    return { pixels, labels, count, shape };
  };
  const train = o.train ?? 64;
  const test = o.test ?? 32;
  const sets: Record<DatasetSplit, () => ImageSet> = {
    train: () => make(train, 'train'),
    test: () => make(test, 'test'),
    'search-train': () => make(train / 2, 'search-train'),
    'search-valid': () => make(train / 2, 'search-valid'),
  };
  return {
    info: {
      name: 'synthetic',
      classes,
      shape,
      mean: Array.from({ length: shape[2] }, () => 0.45),
      std: Array.from({ length: shape[2] }, () => 0.2),
      sizes: { train, test, 'search-train': train / 2, 'search-valid': train / 2 },
    },
    load: async (split) => sets[split](),
  };
}

/**
 * An executor context over `jobs` whose in-process runs just mark jobs done (or failed, for ids
 * in `fail`), recording the order: enough to test an executor's scheduling.
 */
export function testExecutorContext(
  jobs: readonly PlannedJob[],
  o: { fail?: readonly string[] } = {},
): ExecutorContext & { readonly order: string[]; readonly status: Map<string, JobStatus> } {
  const status = new Map<string, JobStatus>(jobs.map((j) => [j.id, 'pending']));
  const order: string[] = [];
  const outcome = (id: string): JobOutcome => ({ id, status: status.get(id) ?? 'pending' });
  return {
    jobs,
    statusOf: (id) => status.get(id) ?? 'pending',
    runInProcess: async (job) => {
      order.push(job.id);
      status.set(job.id, o.fail?.includes(job.id) ? 'failed' : 'done');
      return outcome(job.id);
    },
    worker: { entry: '', args: [] },
    outcomeOf: outcome,
    fail: (job) => void status.set(job.id, 'failed'),
    skip: (job) => void status.set(job.id, 'skipped'),
    signal: new AbortController().signal,
    // Artefact folders are made only when asked for.
    store: new InMemoryResultStore(join(tmpdir(), 'naslab-test-executor')),
    order,
    status,
  };
}

/** A small DAG: `searches` search jobs, each with one train job and one evaluate job after it. */
export function testJobs(searches = 2): PlannedJob[] {
  const jobs: PlannedJob[] = [];
  for (let s = 0; s < searches; s++) {
    const base = { dataset: 'd', method: 'm', seed: s, spec: null };
    jobs.push({ ...base, id: `s-${s}`, kind: 'search', parents: [] });
    jobs.push({ ...base, id: `t-${s}`, kind: 'train', parents: [`s-${s}`], index: 0, protocol: 'base' });
    jobs.push({ ...base, id: `e-${s}`, kind: 'evaluate', parents: [`t-${s}`], index: 0, protocol: 'base' });
  }
  return jobs;
}
