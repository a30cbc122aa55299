/** Protocol knobs: core passes them through; the trainer's schema validates them. */
import type { z } from 'zod';
import { formatPath, type InputProblem } from './errors.js';
import type { ManifestSource, ResolvedProtocol } from './manifest-types.js';
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
