/**
 * A search never sees test accuracy. Its benchmark queries answer the search metric and cost
 * only, as fresh frozen objects; its plugins are created in a container where the result store
 * (which holds evaluation results) and the study's benchmark plugins cannot be reached.
 */
import type { DependencyContainer } from 'tsyringe';
import type { Benchmark, BenchmarkQueryContext, Dataset, DatasetSplit, SearchObservation } from './contracts.js';
import { pluginFactory } from './plugin-factory.js';
import type { PluginHost } from './plugin-host.js';
import type { ResultStore } from './store.js';
import { type JobContext, type PluginFactory, Tokens } from './tokens.js';

/** What a search sees of one query: `observe`'s answer, else `extra.searchAccuracy` (and `extra.searchSeconds`). */
export async function observationOf<A>(benchmark: Benchmark<A>, arch: A, archText: string, context: BenchmarkQueryContext, benchmarkName: string): Promise<SearchObservation> {
  let accuracy: unknown;
  let seconds: unknown;
  if (benchmark.observe) {
    const o = await benchmark.observe(arch, archText, context);
    accuracy = o?.accuracy;
    seconds = o?.seconds;
  } else {
    const extra = (await benchmark.query(arch, archText, context)).extra;
    accuracy = extra?.searchAccuracy;
    seconds = extra?.searchSeconds;
  }
  if (typeof accuracy !== 'number' || !Number.isFinite(accuracy)) {
    throw new Error(
      `benchmark ${benchmarkName} gives no search accuracy for ${archText} (${String(accuracy)}): a search sees only the search metric (observe(), or extra.searchAccuracy of query()), never the test accuracy`,
    );
  }
  const observation: { accuracy: number; seconds?: number } = { accuracy };
  if (typeof seconds === 'number' && Number.isFinite(seconds)) observation.seconds = seconds;
  return Object.freeze(observation);
}

/** A result store a search job is handed instead of the real one: every use is refused. */
export function storeRefusedToSearch(method: string): ResultStore {
  const refuse = (): never => {
    throw new Error(`${method}: a search job has no access to the result store (it holds evaluation results, test accuracy included)`);
  };
  return new Proxy({} as ResultStore, { get: refuse, has: refuse, ownKeys: refuse, getOwnPropertyDescriptor: refuse, getPrototypeOf: () => null, set: refuse });
}

/**
 * The container a search's plugins (method, dataset) are created in: the job's, but with the
 * result store refused, and the study's benchmarks neither resolvable by token nor creatable
 * through `Tokens.Plugins`. The benchmark reaches the search only as `SearchContext.query`.
 */
export function containerForSearch(jobContainer: DependencyContainer, host: PluginHost, searchFrom: readonly string[], jobContext: JobContext, method: string): DependencyContainer {
  const sealed = jobContainer.createChildContainer();
  const store = storeRefusedToSearch(method);
  sealed.register(Tokens.Store, { useValue: store });
  sealed.register(Tokens.JobContext, { useValue: { ...jobContext, store } });
  for (const b of host.all()) {
    if (b.loaded.definition.kind === 'dataset') {
      const token = b.token;
      sealed.register(token, { useFactory: () => Promise.resolve(jobContainer.resolve(token)).then((d) => withoutTestSplit(d as Dataset, method)) });
    }
    if (b.loaded.definition.kind !== 'benchmark') continue;
    sealed.register(b.token, {
      useFactory: () => {
        throw new Error(`${method}: a search cannot create benchmark ${b.ref.label}; it sees the benchmark only through ctx.query (search metric and cost)`);
      },
    });
  }
  // Plugins a search creates by id resolve their services from this sealed container too.
  sealed.register(Tokens.Plugins, {
    useFactory: (c): PluginFactory => {
      const inner = pluginFactory(c, searchFrom);
      return {
        create(kind, id, options) {
          if (kind === 'benchmark') return Promise.reject(new Error(`${method}: a search cannot create benchmark ${id}; it sees the benchmark only through ctx.query (search metric and cost)`));
          if (kind === 'dataset') return inner.create(kind, id, options).then((d) => withoutTestSplit(d as Dataset, method) as never);
          return inner.create(kind, id, options);
        },
      };
    },
  });
  return sealed;
}

/** A dataset as a search gets it: every split but `test` (a search that read it could score on it). */
export function withoutTestSplit(dataset: Dataset, method: string): Dataset {
  const check = (split: DatasetSplit) => {
    if (split === 'test') throw new Error(`${method}: a search job cannot read the test split of dataset ${dataset.info.name} (searches use search-train / search-valid)`);
  };
  const batches = dataset.batches?.bind(dataset);
  return Object.freeze({
    info: dataset.info,
    load: (split: DatasetSplit) => {
      check(split);
      return dataset.load(split);
    },
    ...(batches
      ? {
          batches: (split: DatasetSplit, options: Parameters<NonNullable<Dataset['batches']>>[1]) => {
            check(split);
            return batches(split, options);
          },
        }
      : {}),
  });
}
