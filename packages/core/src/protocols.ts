/** Protocol knobs: core passes them through; the trainer's schema validates them. */
import type { z } from 'zod';
import { formatPath, type InputProblem } from './errors.js';
import type { ManifestSource, PluginRef, ResolvedProtocol } from './manifest-types.js';
import { optionKeys } from './plugin-host.js';
import { zodProblems } from './problems.js';

/**
 * Every protocol's knobs through a trainer's `protocol` schema, defaults filled. A problem is
 * reported where the knob is written: the base `protocol`, or the ablation entry overriding it.
 * `owner` (the trainer's package) is named in each message.
 */
export function parseProtocolKnobs(
  protocols: readonly ResolvedProtocol[],
  schema: z.ZodType,
  source: ManifestSource,
  owner: string,
): { protocols: ResolvedProtocol[]; problems: InputProblem[] } {
  const known = [...(optionKeys(schema) ?? []), 'name', 'preset', 'tricks', 'trainSeed'];
  const problems: InputProblem[] = [];
  const out: ResolvedProtocol[] = [];
  const reported = new Set<string>();
  for (const p of protocols) {
    // A preset's name is core's (resolved before training): only the knobs go to the schema.
    // `trainSeed` is core's too: it names the training random stream (see `jobRng`).
    const { name, tricks, source: where, preset: _preset, trainSeed, ...knobs } = p;
    const seedOk = trainSeed === undefined || (typeof trainSeed === 'number' && Number.isInteger(trainSeed) && trainSeed >= 0);
    if (!seedOk) {
      const path = where?.knobs.includes('trainSeed') ? [...where.path, 'trainSeed'] : ['protocol', 'trainSeed'];
      problems.push({ file: source.file, ...source.locate(path), path: formatPath(path), message: `trainSeed must be a non-negative integer, got ${JSON.stringify(trainSeed)}` });
    }
    const parsed = schema.safeParse(knobs);
    if (parsed.success) {
      if (seedOk) out.push({ ...(parsed.data as Record<string, unknown>), name, tricks, ...(trainSeed !== undefined ? { trainSeed } : {}), ...(where ? { source: where } : {}) });
      continue;
    }
    for (const issue of parsed.error.issues) {
      const key = issue.path[0] ?? (issue.code === 'unrecognized_keys' ? issue.keys[0] : undefined);
      const own = where && typeof key === 'string' && where.knobs.includes(key);
      const prefix = own ? where.path : ['protocol'];
      for (const problem of zodProblems([issue], source, prefix, () => known)) {
        const text = `${problem.path}: ${problem.message}`;
        if (reported.has(text)) continue;
        reported.add(text);
        problems.push({ ...problem, message: `${problem.message} (protocol knob of ${owner})` });
      }
    }
  }
  return { protocols: out, problems };
}

/**
 * Every protocol as each dataset with its own knobs changes it (`datasets[i].protocol`), for
 * checking those knobs with the trainer's schema where they are written.
 */
export function withDatasetKnobs(protocols: readonly ResolvedProtocol[], datasets: readonly PluginRef[]): ResolvedProtocol[] {
  return datasets.flatMap((d) => {
    if (!d.protocol) return [];
    const { [WITHOUT_TRICKS]: _w, ...knobs } = d.protocol;
    return protocols.map((p) => ({ ...p, ...knobs, source: { path: [...d.path, 'protocol'], knobs: Object.keys(knobs) } }));
  });
}

/**
 * Key of a dataset's `protocol` listing trick labels its train jobs go without (the 224-px
 * datasets crop and flip in their own pipeline, so CIFAR's `crop-flip` does not apply to them).
 */
export const WITHOUT_TRICKS = 'withoutTricks';

/** Trick labels a dataset's train jobs go without. */
export function tricksWithout(dataset: PluginRef | undefined): string[] {
  const w = dataset?.protocol?.[WITHOUT_TRICKS];
  return Array.isArray(w) ? w.filter((x): x is string => typeof x === 'string') : [];
}

/** A protocol for one dataset's train jobs: the dataset's knobs over the protocol's, less its `withoutTricks`. */
export function protocolForDataset<P extends ResolvedProtocol>(protocol: P, dataset: PluginRef | undefined): P {
  if (!dataset?.protocol) return protocol;
  const { [WITHOUT_TRICKS]: _w, ...knobs } = dataset.protocol;
  const without = new Set(tricksWithout(dataset));
  return { ...protocol, ...knobs, tricks: protocol.tricks.filter((t) => !without.has(t.label)) };
}

/** Problems of the datasets' `withoutTricks`: a list of labels, each a trick of some protocol. */
export function datasetTrickProblems(protocols: readonly ResolvedProtocol[], datasets: readonly PluginRef[], source: ManifestSource): InputProblem[] {
  const labels = new Set(protocols.flatMap((p) => p.tricks.map((t) => t.label)));
  const problems: InputProblem[] = [];
  for (const d of datasets) {
    const w = d.protocol?.[WITHOUT_TRICKS];
    if (w === undefined) continue;
    const path = [...d.path, 'protocol', WITHOUT_TRICKS];
    const at = (p: (string | number)[], message: string) => problems.push({ file: source.file, ...source.locate(p), path: formatPath(p), message });
    if (!Array.isArray(w) || w.some((x) => typeof x !== 'string')) {
      at(path, 'expected a list of trick labels');
      continue;
    }
    w.forEach((label, i) => {
      if (!labels.has(label)) at([...path, i], `"${label}" is not a trick of the protocol (its tricks: ${[...labels].join(', ') || 'none'})`);
    });
  }
  return problems;
}
