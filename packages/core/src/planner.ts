import { contentHash } from './hash.js';
import type { Json, PlannedJob } from './jobs.js';
import type { Manifest, ResolvedProtocol } from './manifest-types.js';
import type { BoundPlugin, PluginHost } from './plugin-host.js';
import { codeDigest } from './resolver.js';

export type { JobKind, PlannedJob } from './jobs.js';

/**
 * Identity of a plugin in a job's inputs: package, version and validated options; for data
 * plugins the identity of the data they read (see `dataIdentity`); for a plugin loaded from a path
 * or a workspace, a digest of its code (its version alone does not change when it is edited).
 */
function pluginKeyWith(withCode: boolean, b: BoundPlugin, data?: ReadonlyMap<string, string>): Json {
  const identity = data?.get(dataKey(b.loaded.kind, b.ref.label));
  const code = !withCode || b.loaded.source === 'installed' ? undefined : codeDigest(b.loaded.dir);
  return {
    package: b.loaded.packageName,
    version: b.loaded.version,
    options: (b.options ?? {}) as Json,
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
      const randomKey = job.kind === 'train' ? `train/${s.parents[0]}/${s.index ?? 0}` : `${s.kind}/${s.id}`;
      return { ...job, randomKey };
    }),
  );
}

function planJobs(manifest: Manifest, host: PluginHost, options: PlanOptions, withCode: boolean): PlannedJob[] {
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
            const { name: _name, tricks, source: _source, ...knobs } = protocol;
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
