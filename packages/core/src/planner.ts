import { formatPath, InputError } from './errors.js';
import { contentHash } from './hash.js';
import type { Json, PlannedJob } from './jobs.js';
import type { Manifest, ResolvedProtocol } from './manifest-types.js';
import type { BoundPlugin, PluginHost } from './plugin-host.js';
import { protocolForDataset } from './protocols.js';
import { codeDigest } from './resolver.js';

export type { JobKind, PlannedJob } from './jobs.js';

/**
 * Identity of a plugin in a job's inputs: package, version and validated options; for data
 * plugins the identity of the data they read (see `dataIdentity`); for a plugin loaded from a path
 * or a workspace, a digest of its code (its version alone does not change when it is edited).
 * Without `withCode` (the key of random streams) neither version nor digest is in it: a release or
 * an edit of a plugin reruns its jobs, with the draws they had.
 */
function pluginKeyWith(withCode: boolean, b: BoundPlugin, data?: ReadonlyMap<string, string>): Json {
  const identity = data?.get(dataKey(b.loaded.kind, b.ref.label));
  const code = !withCode || b.loaded.source === 'installed' ? undefined : codeDigest(b.loaded.dir);
  return {
    package: b.loaded.packageName,
    ...(withCode ? { version: b.loaded.version } : {}),
    options: (b.keyOptions ?? b.options ?? {}) as Json,
    ...(identity ? { data: identity } : {}),
    ...(code ? { code } : {}),
  };
}

/** Key of a data plugin in `PlanOptions.dataIdentities`. */
export function dataKey(kind: string, label: string): string {
  return `${kind}:${label}`;
}

export interface PlanOptions {
  readonly protocols?: readonly ResolvedProtocol[];
  readonly trainerLabel?: string;
  /** `dataKey(kind, label)` → the data identity its plugin reported. */
  readonly dataIdentities?: ReadonlyMap<string, string>;
}

/**
 * Expand a manifest into its job DAG: per dataset × method × seed a search job; per returned
 * architecture and protocol a train job and an evaluate job (with a benchmark, one look-up
 * evaluate job replaces train + evaluate). Jobs come out parents-first.
 *
 * Backend and executor are deliberately not hashed: they change how fast a job runs, not what
 * it computes, and every result records the backend that produced it.
 */
export function planStudy(manifest: Manifest, host: PluginHost, options: PlanOptions = {}): PlannedJob[] {
  // The same DAG without code digests names each job's random stream: editing a plugin reruns
  // its jobs, but with the draws they had (the architectures a seed samples stay the same).
  const jobs = planJobs(manifest, host, options, true);
  const streams = planJobs(manifest, host, options, false);
  return dedupe(
    jobs.map((job, i) => {
      const s = streams[i]!;
      const randomKey = job.kind === 'train' ? trainStreamKey(s.parents[0]!, s.index ?? 0, trainSeedOf(s)) : `${s.kind}/${s.id}`;
      return { ...job, randomKey };
    }),
  );
}

/** Jobs one study may plan: far above any study run, low enough that planning never fills the memory. */
export const MAX_PLANNED_JOBS = 200_000;

/**
 * A study's size, counted before a job is planned: searches × (outputs × protocols × 2) — an
 * option like `outputs: 1e9` or `seeds` and `datasets` multiplied up is an input error at the
 * method's line, not a planner that runs out of memory.
 */
function checkStudySize(manifest: Manifest, host: PluginHost, protocols: number): void {
  let total = 0;
  for (const methodRef of manifest.methods) {
    const method = host.get('method', methodRef.label);
    const outputs = method.loaded.definition.outputs?.(method.options) ?? 1;
    const perSearch = 1 + (Number.isFinite(outputs) ? outputs : Number.POSITIVE_INFINITY) * (manifest.benchmark ? 1 : 2 * protocols);
    const jobs = manifest.datasets.length * manifest.seeds.length * perSearch;
    total += jobs;
    if (!(jobs <= MAX_PLANNED_JOBS) || !(total <= MAX_PLANNED_JOBS)) {
      throw new InputError({
        file: manifest.file,
        ...manifest.locate(methodRef.path),
        path: formatPath(methodRef.path),
        message: `the study would plan ${Number.isFinite(total) ? Math.round(total).toLocaleString('en-US') : 'infinitely many'} jobs (method "${methodRef.label}" returns ${outputs} architectures per search); at most ${MAX_PLANNED_JOBS.toLocaleString('en-US')} are planned`,
      });
    }
  }
}

/**
 * The random stream of a train job: shared by every protocol of one architecture (same initial
 * weights, same batch order), unless the protocol names a `trainSeed`, which starts another.
 */
export function trainStreamKey(search: string, index: number, trainSeed?: number): string {
  return `train/${search}/${index}${trainSeed === undefined ? '' : `/trainSeed/${trainSeed}`}`;
}

function trainSeedOf(job: PlannedJob): number | undefined {
  const seed = (job.spec as { protocol?: { trainSeed?: unknown } } | null)?.protocol?.trainSeed;
  return typeof seed === 'number' ? seed : undefined;
}

function planJobs(manifest: Manifest, host: PluginHost, options: PlanOptions, withCode: boolean): PlannedJob[] {
  checkStudySize(manifest, host, (options.protocols ?? [manifest.protocol]).length);
  const pluginKey = (b: BoundPlugin, data?: ReadonlyMap<string, string>) => pluginKeyWith(withCode, b, data);
  const data = options.dataIdentities;
  const protocols = options.protocols ?? [manifest.protocol];
  const trainerLabel = options.trainerLabel ?? manifest.trainer?.label;
  const jobs: PlannedJob[] = [];
  const benchmark = manifest.benchmark ? host.get('benchmark', manifest.benchmark.label) : undefined;
  const trainer = trainerLabel && host.has('trainer', trainerLabel) ? host.get('trainer', trainerLabel) : undefined;
  for (const datasetRef of manifest.datasets) {
    // In a look-up study the dataset is a name of one of the benchmark's tables.
    const dataset = benchmark ? { label: datasetRef.label, options: datasetRef.options } : pluginKey(host.get('dataset', datasetRef.label), data);
    for (const methodRef of manifest.methods) {
      const method = host.get('method', methodRef.label);
      const space = host.get('space', (methodRef.space ?? manifest.space).label);
      const outputs = method.loaded.definition.outputs?.(method.options) ?? 1;
      for (const seed of manifest.seeds) {
        const searchSpec: Json = {
          kind: 'search',
          dataset: dataset as Json,
          space: pluginKey(space),
          method: pluginKey(method),
          seed,
          ...(method.loaded.definition.needsBenchmark && benchmark ? { benchmark: pluginKey(benchmark, data) } : {}),
        };
        const search: PlannedJob = {
          id: `s-${contentHash(searchSpec)}`,
          kind: 'search',
          parents: [],
          dataset: datasetRef.label,
          method: methodRef.label,
          seed,
          spec: searchSpec,
        };
        jobs.push(search);
        for (let index = 0; index < outputs; index++) {
          if (benchmark) {
            const evalSpec: Json = { kind: 'evaluate', search: search.id, index, benchmark: pluginKey(benchmark, data) };
            jobs.push({
              id: `e-${contentHash(evalSpec)}`,
              kind: 'evaluate',
              parents: [search.id],
              dataset: datasetRef.label,
              method: methodRef.label,
              seed,
              protocol: 'benchmark',
              index,
              spec: evalSpec,
            });
            continue;
          }
          for (const protocol of protocols) {
            const { name: _name, tricks, source: _source, ...knobs } = protocolForDataset(protocol, datasetRef);
            const trainSpec: Json = {
              kind: 'train',
              search: search.id,
              index,
              protocol: knobs as unknown as Json,
              tricks: tricks.map((t) => pluginKey(host.get('trick', t.label))),
              trainer: trainer ? pluginKey(trainer) : null,
            };
            const train: PlannedJob = {
              id: `t-${contentHash(trainSpec)}`,
              kind: 'train',
              parents: [search.id],
              dataset: datasetRef.label,
              method: methodRef.label,
              seed,
              protocol: protocol.name,
              index,
              spec: trainSpec,
            };
            const evalSpec: Json = { kind: 'evaluate', train: train.id };
            jobs.push(train, {
              id: `e-${contentHash(evalSpec)}`,
              kind: 'evaluate',
              parents: [train.id],
              dataset: datasetRef.label,
              method: methodRef.label,
              seed,
              protocol: protocol.name,
              index,
              spec: evalSpec,
            });
          }
        }
      }
    }
  }
  return jobs;
}

/** Identical work appears once (e.g. two protocols that differ only in name). */
function dedupe(jobs: PlannedJob[]): PlannedJob[] {
  const seen = new Set<string>();
  return jobs.filter((j) => (seen.has(j.id) ? false : (seen.add(j.id), true)));
}
