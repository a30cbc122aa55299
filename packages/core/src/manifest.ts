/**
 * Manifests: load (YAML, JSON or a module exporting `defineExperiment`), validate what core
 * reads, normalise plugin references. Plugin options and protocol knobs are validated later, by
 * each plugin's own schema, when the study is prepared.
 */
import { readFileSync } from 'node:fs';
import { extname, resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ablationSchema, expandAblation, type AblationBase } from './ablation.js';
import { formatPath, InputError, type InputProblem } from './errors.js';
import { contentHash } from './hash.js';
import { manifestSchema, protocolSchema, type ExperimentInput, type PluginRefInput } from './manifest-schema.js';
import { parsePath, yamlSource } from './manifest-source.js';
import { readableFileProblem, resolveManifestPath, writableFolderProblem } from './paths.js';
import type { Manifest, ManifestSource, PluginRef, ResolvedProtocol } from './manifest-types.js';
import { zodProblems } from './problems.js';
import { datasetTrickProblems, parseProtocolKnobs, withDatasetKnobs } from './protocols.js';
import { withSpaceBaselines } from './space-baselines.js';
import type { z } from 'zod';

export * from './manifest-schema.js';
export type * from './manifest-types.js';
export { valueAt, zodProblems, suggest } from './problems.js';

type ParsedManifest = ReturnType<typeof manifestSchema.parse>;

/** Identity helper that types an experiment written in TypeScript/JavaScript. */
export function defineExperiment(experiment: ExperimentInput): ExperimentInput {
  return experiment;
}

const topLevelKeys = Object.keys(manifestSchema.shape);
const protocolKeys = Object.keys(protocolSchema.shape);
const ablationKeys = Object.keys(ablationSchema.shape);
/** Known keys at a path of the manifest, for "did you mean" (plugin references elsewhere). */
function manifestKeys(path: (string | number)[]): string[] {
  if (path.length === 0) return topLevelKeys;
  if (path.length === 1 && path[0] === 'protocol') return protocolKeys;
  if (path.length === 1 && path[0] === 'ablation') return ablationKeys;
  return ['id', 'name', 'options'];
}

/**
 * A manifest that is code (.js/.mjs/.ts/.mts, exporting `defineExperiment`): loading it runs it.
 * Commands that only read results (`status`, `report`) refuse it rather than run it.
 */
export function isExecutableManifest(file: string): boolean {
  return /\.(m?js|m?ts)$/i.test(file);
}

/** Load and validate a manifest file (.yaml/.yml/.json, or .js/.mjs exporting defineExperiment). */
/** How to validate a manifest beyond core's fields. */
export interface ManifestOptions {
  /**
   * The protocol schema of the trainer that will train this manifest's architectures, if known
   * now (the CLI knows its default trainer's when the manifest names none): protocol knobs are then
   * validated in the same pass as core's fields, so every problem is reported at once.
   * `prepareStudy` validates them with the trainer's schema otherwise.
   */
  readonly protocol?: (manifest: { trainer?: unknown; benchmark?: unknown }) => { schema: z.ZodType; owner: string } | undefined;
}

/** A manifest is a page of text: anything larger is refused before it is read or parsed. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

export async function loadManifest(file: string, options: ManifestOptions = {}): Promise<Manifest> {
  const abs = resolvePath(file);
  // By type and size first: a FIFO or /dev/zero would never end, a huge file would fill the memory.
  const unreadable = readableFileProblem(abs, { maxBytes: MAX_MANIFEST_BYTES, what: 'manifest' });
  if (unreadable) throw new InputError({ file, message: unreadable });
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (e) {
    throw new InputError({ file, message: `cannot read manifest: ${(e as NodeJS.ErrnoException).code ?? e}` });
  }
  if (text.includes('\0')) throw new InputError({ file, line: 1, column: 1, message: 'the manifest is binary (it contains NUL bytes), not YAML or JSON text' });
  const ext = extname(abs).toLowerCase();
  if (ext === '.js' || ext === '.mjs' || ext === '.ts' || ext === '.mts') {
    let mod: { default?: unknown };
    try {
      mod = await import(pathToFileURL(abs).href);
    } catch (e) {
      throw new InputError({ file, message: `cannot import manifest module: ${(e as Error).message}` });
    }
    return validateManifest({ file: abs, raw: mod.default, locate: () => ({}) }, options);
  }
  return validateManifest(yamlSource(abs, text), options);
}

/** Validate a manifest from YAML text (tests, editors). */
export function parseManifestText(text: string, file = 'manifest.yaml', options: ManifestOptions = {}): Manifest {
  return validateManifest(yamlSource(resolvePath(file), text), options);
}

/** Validate an in-memory experiment (from `defineExperiment`). */
export function manifestFromObject(experiment: ExperimentInput, file = 'experiment.ts', options: ManifestOptions = {}): Manifest {
  return validateManifest({ file: resolvePath(file), raw: experiment, locate: () => ({}) }, options);
}

function validateManifest(source: ManifestSource & { raw: unknown }, options: ManifestOptions): Manifest {
  const { file, raw } = source;
  if (raw === null || raw === undefined || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InputError({ file, line: 1, column: 1, message: 'a manifest must be a mapping (name, seeds, datasets, space, methods, …)' });
  }
  const rawManifest = raw as Record<string, unknown>;
  const knobs = options.protocol?.({ trainer: rawManifest.trainer, benchmark: rawManifest.benchmark });
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    // The base protocol's knobs too, so every problem is reported at once.
    const rawProtocol = rawManifest.protocol;
    const knobProblems =
      knobs && rawProtocol && typeof rawProtocol === 'object' && !Array.isArray(rawProtocol)
        ? parseProtocolKnobs([{ ...(rawProtocol as Record<string, unknown>), name: 'base', tricks: [], preset: undefined }], knobs.schema, source, knobs.owner).problems
        : [];
    throw new InputError([...zodProblems(parsed.error.issues, source, [], manifestKeys), ...knobProblems]);
  }
  const m: ParsedManifest = parsed.data;
  const problems: InputProblem[] = [];
  const at = (path: (string | number)[], message: string) =>
    problems.push({ file, ...source.locate(path), path: formatPath(path), message });

  const ref = (input: PluginRefInput, path: (string | number)[]): PluginRef =>
    typeof input === 'string'
      ? { id: input, label: input, options: {}, path }
      : { id: input.id, label: input.name ?? input.id, options: input.options ?? {}, path };

  const seeds = typeof m.seeds === 'number' ? Array.from({ length: m.seeds }, (_, i) => i) : m.seeds;
  const seenSeeds = new Set<number>();
  seeds.forEach((s, i) => {
    if (seenSeeds.has(s)) at(['seeds', i], `seed ${s} is listed twice`);
    seenSeeds.add(s);
  });

  const unique = (refs: PluginRef[], field: string) => {
    const seen = new Set<string>();
    for (const r of refs) {
      if (seen.has(r.label)) at(r.path, `${field} label "${r.label}" is used twice; give one a distinct \`name\``);
      seen.add(r.label);
    }
  };
  const datasets = m.datasets.map((d, i): PluginRef => {
    const r = ref(d, ['datasets', i]);
    return typeof d !== 'string' && d.protocol !== undefined ? { ...r, protocol: d.protocol } : r;
  });
  datasets.forEach((d, i) => {
    for (const k of ['name', 'preset', 'tricks']) {
      if (d.protocol && Object.hasOwn(d.protocol, k)) at(['datasets', i, 'protocol', k], `a dataset changes protocol knobs only, not its ${k}`);
    }
  });
  const methods = m.methods.map((d, i): PluginRef => {
    const r = ref(d, ['methods', i]);
    if (typeof d === 'string' || d.space === undefined) return r;
    // Its own label, so it never clashes with the manifest's space or another method's.
    const own = ref(d.space, ['methods', i, 'space']);
    return { ...r, space: { ...own, label: typeof d.space === 'object' && d.space.name ? d.space.name : `${own.id}@${r.label}` } };
  });
  const tricks = m.protocol.tricks.map((d, i) => ref(d, ['protocol', 'tricks', i]));
  unique(datasets, 'dataset');
  unique(methods, 'method');
  unique(tricks, 'trick');
  if (!methods.some((mm) => mm.label === m.baseline)) {
    at(['baseline'], `baseline "${m.baseline}" is not one of the methods (${methods.map((x) => x.label).join(', ')}); add it to methods or set baseline`);
  }
  const backendRefs = (Array.isArray(m.backend) ? m.backend : [m.backend]).map((b, i) => ref(b, Array.isArray(m.backend) ? ['backend', i] : ['backend']));
  const backends = backendRefs.map((b) => b.label);
  if (backends.includes('auto') && backends.length > 1) at(['backend'], '`auto` cannot be combined with other backends');
  if (backendRefs.some((b) => b.id === 'auto' && Object.keys(b.options).length > 0)) at(['backend'], '`auto` takes no options');
  unique(backendRefs.filter((b) => b.id !== 'auto'), 'backend');
  if (problems.length) throw new InputError(problems);

  const { tricks: _t, ...protocolRest } = m.protocol;
  const baseKnobs = Object.keys(protocolRest).filter((k) => k !== 'name');
  const baseProtocol: ResolvedProtocol = { ...protocolRest, tricks, source: { path: ['protocol'], knobs: baseKnobs } };
  let protocols: ResolvedProtocol[] = [baseProtocol];
  if (m.ablation) {
    try {
      protocols = expandAblation(baseProtocol as unknown as AblationBase, m.ablation, { file }) as unknown as ResolvedProtocol[];
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      throw new InputError(e.problems.map((p) => ({ ...p, ...(p.path ? source.locate(parsePath(p.path)) : {}) })));
    }
  }
  // A protocol on a preset keeps its own knobs unfilled until `prepareStudy` has put the
  // preset's beneath them (a default filled now would hide the preset's value); they are checked now.
  const onPreset = protocols.some((p) => p.preset !== undefined);
  // A preset's tricks are known once `prepareStudy` has resolved it.
  if (!onPreset) {
    const trickProblems = datasetTrickProblems(protocols, datasets, source);
    if (trickProblems.length) throw new InputError(trickProblems);
  }
  if (knobs) {
    const checked = parseProtocolKnobs(protocols, knobs.schema, source, knobs.owner);
    if (checked.problems.length) throw new InputError(checked.problems);
    const overridden = parseProtocolKnobs(withDatasetKnobs(protocols, datasets), knobs.schema, source, knobs.owner);
    if (overridden.problems.length) throw new InputError(overridden.problems);
    if (!onPreset) protocols = checked.protocols;
  }
  const dir = resolvePath(file, '..');
  // The store follows the rule of every manifest path: variables expanded, relative to the manifest.
  let store: string;
  try {
    store = resolveManifestPath(m.store, dir);
  } catch (e) {
    throw new InputError({ file, ...source.locate(['store']), path: 'store', message: (e as Error).message });
  }
  const storeProblem = writableFolderProblem(store);
  if (storeProblem) throw new InputError({ file, ...source.locate(['store']), path: 'store', message: `the results store cannot be here: ${storeProblem}` });
  // The random baseline of each space a method searches joins the methods (see space-baselines.ts).
  const planned = withSpaceBaselines({ space: ref(m.space, ['space']), methods, baseline: m.baseline });
  const fields = {
    name: m.name,
    seeds,
    datasets,
    space: ref(m.space, ['space']),
    methods: planned,
    baseline: m.baseline,
    protocols,
    benchmark: m.benchmark === undefined ? undefined : ref(m.benchmark, ['benchmark']),
    trainer: m.trainer === undefined ? undefined : ref(m.trainer, ['trainer']),
  };
  return {
    file,
    dir,
    hash: manifestHash(fields),
    name: m.name,
    description: m.description,
    seeds,
    datasets,
    space: ref(m.space, ['space']),
    methods: planned,
    baseline: m.baseline,
    protocol: protocols[0]!.name === baseProtocol.name ? protocols[0]! : baseProtocol,
    protocols,
    protocolSchema: onPreset ? undefined : knobs?.schema,
    benchmark: m.benchmark === undefined ? undefined : ref(m.benchmark, ['benchmark']),
    trainer: m.trainer === undefined ? undefined : ref(m.trainer, ['trainer']),
    backends,
    backendRefs,
    executor: ref(m.executor, ['executor']),
    store,
    scoring: m.scoring,
    report: { diverged: m.report.diverged },
    locate: source.locate,
    raw,
  };
}


/**
 * The provenance hash of a manifest: sha256 prefix of what it computes (plugins, seeds, protocols
 * with their knobs and tricks), not of how it is written. `prepareStudy` hashes again once presets
 * are resolved, so a protocol named by its preset and the same protocol spelt out hash alike.
 */
export function manifestHash(m: Pick<Manifest, 'name' | 'seeds' | 'datasets' | 'space' | 'methods' | 'baseline' | 'protocols' | 'benchmark' | 'trainer'>): string {
  const plain = ({ id, label, options, protocol }: PluginRef) => ({ id, label, options, ...(protocol ? { protocol } : {}) });
  // A method's own space enters the hash only where there is one (other manifests hash as before).
  const method = (r: PluginRef) => (r.space ? { ...plain(r), space: plain(r.space) } : plain(r));
  return contentHash({
    name: m.name,
    seeds: m.seeds,
    datasets: m.datasets.map(plain),
    space: plain(m.space),
    // Planned baselines follow from the methods written: the hash is of those.
    methods: m.methods.filter((r) => !r.spaceBaseline).map(method),
    baseline: m.baseline,
    protocols: m.protocols.map(({ source: _s, ...p }) => ({ ...p, tricks: p.tricks.map(plain) })),
    benchmark: m.benchmark,
    trainer: m.trainer,
  });
}

/** The space method `methodLabel` searches: its own `space`, else the manifest's. */
export function methodSpace(manifest: Pick<Manifest, 'space' | 'methods'>, methodLabel: string): PluginRef {
  return manifest.methods.find((m) => m.label === methodLabel)?.space ?? manifest.space;
}
