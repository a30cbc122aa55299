/**
 * Preparing a study: load the plugins a manifest names, validate their options and the protocol
 * (with the trainer's schema), check that the space has what methods and trainer require and that
 * every trick's hooks are ones the trainer calls, then plan the job DAG. Every problem is an
 * `InputError` at its manifest line, found before any job runs.
 */
// tsyringe needs the Reflect metadata API before it is loaded.
import 'reflect-metadata';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import type { PluginKind, Trick } from './contracts.js';
import { formatPath, InputError, type InputProblem } from './errors.js';
import type { PlannedJob } from './jobs.js';
import type { Manifest, PluginRef, ResolvedProtocol } from './manifest-types.js';
import { manifestHash } from './manifest.js';
import { dataKey, planStudy } from './planner.js';
import { resolvePresets, type PresetOwner } from './presets.js';
import { PluginHost, type BoundPlugin } from './plugin-host.js';
import { suggest } from './problems.js';
import { datasetTrickProblems, parseProtocolKnobs, withDatasetKnobs } from './protocols.js';
import { loadPlugin } from './resolver.js';
import { pluginFactory } from './plugin-factory.js';
import { Tokens } from './tokens.js';

/** A manifest with its plugins loaded, validated and bound in a container. */
export interface Study {
  readonly manifest: Manifest;
  readonly host: PluginHost;
  readonly container: DependencyContainer;
  readonly trainerLabel?: string;
  /** The protocols train jobs use, by name, knobs as the trainer's schema parsed them. */
  readonly protocols: readonly ResolvedProtocol[];
  /** Folders plugin packages are looked up from (the manifest's first). */
  readonly searchFrom: readonly string[];
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
export async function prepareStudy(given: Manifest, options: PrepareOptions = {}): Promise<Study> {
  let manifest = given;
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
  for (const m of manifest.methods) {
    await bind('method', m);
    if (m.space) await bind('space', m.space);
  }
  // Presets name the methods' evaluation recipes: resolved before their tricks are loaded.
  const onPreset = manifest.protocols.some((p) => p.preset !== undefined);
  if (onPreset) {
    if (problems.length) throw new InputError(problems.flatMap((p) => p.problems));
    const owners: PresetOwner[] = manifest.methods.map((m) => {
      const bound = host.get('method', m.label);
      return { label: m.label, packageName: bound.loaded.packageName, presets: bound.loaded.definition.presets ?? {} };
    });
    const resolved = resolvePresets(manifest.protocols, owners, manifest);
    throwAll(resolved.problems);
    throwAll(datasetTrickProblems(resolved.protocols, manifest.datasets, manifest));
    manifest = { ...manifest, protocols: resolved.protocols, protocol: baseOf(resolved.protocols, manifest), protocolSchema: undefined };
  }
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
  for (const b of manifest.backendRefs) {
    if (b.id !== 'auto') await bind('backend', b);
  }
  if (problems.length) throw new InputError(problems.flatMap((p) => p.problems));

  const trainer = trainerLabel && !manifest.benchmark ? host.get('trainer', trainerLabel) : undefined;
  const at = (path: (string | number)[], message: string): InputProblem => ({ file: manifest.file, ...manifest.locate(path), path: formatPath(path), message });
  throwAll(checkRequirements(manifest, host, trainer, at));
  const schema = trainer?.loaded.definition.protocol;
  let protocols = manifest.protocols;
  if (schema && manifest.protocolSchema !== schema) {
    const parsed = parseProtocolKnobs(manifest.protocols, schema, manifest, trainer.loaded.packageName);
    throwAll(parsed.problems);
    throwAll(parseProtocolKnobs(withDatasetKnobs(parsed.protocols, manifest.datasets), schema, manifest, trainer.loaded.packageName).problems);
    protocols = parsed.protocols;
    // The study's provenance is the protocol it trains with (defaults filled, presets resolved).
    manifest = { ...manifest, protocols, protocol: baseOf(protocols, manifest), protocolSchema: schema, hash: manifestHash({ ...manifest, protocols }) };
  } else if (onPreset) manifest = { ...manifest, hash: manifestHash(manifest) };

  container.register(Tokens.Plugins, { useFactory: (c) => pluginFactory(c, searchFrom) });
  if (trainer) throwAll(await checkTrickHooks(manifest, host, trainer, container, at));
  const dataIdentities = await identifyData(manifest, host);
  const jobs = planStudy(manifest, host, { trainerLabel, protocols, dataIdentities });
  return { manifest, host, container, trainerLabel, protocols, searchFrom, jobs };
}

/** The base protocol among `protocols` (an ablation may leave it out: then the first). */
function baseOf(protocols: readonly ResolvedProtocol[], manifest: Manifest): ResolvedProtocol {
  return protocols.find((p) => p.name === manifest.protocol.name) ?? protocols[0]!;
}

function throwAll(problems: InputProblem[]): void {
  if (problems.length) throw new InputError(problems);
}

/** What methods and the trainer require of the space, against what the space declares. */
function checkRequirements(
  manifest: Manifest,
  host: PluginHost,
  trainer: BoundPlugin<'trainer'> | undefined,
  at: (path: (string | number)[], message: string) => InputProblem,
): InputProblem[] {
  const problems: InputProblem[] = [];
  const capabilitiesOf = (ref: PluginRef) => {
    const space = host.get('space', ref.label);
    const declared: readonly string[] = space.loaded.definition.capabilities ?? [];
    const missing = (required: readonly string[] | undefined) => (required ?? []).filter((c) => !declared.includes(c));
    const says = `space "${ref.label}" (${space.loaded.packageName}) declares ${declared.length ? declared.join(', ') : 'no capabilities'}`;
    return { missing, says };
  };
  const { missing, says: spaceSays } = capabilitiesOf(manifest.space);
  for (const m of manifest.methods) {
    const def = host.get('method', m.label).loaded.definition;
    const own = m.space ? capabilitiesOf(m.space) : undefined;
    if (own) {
      const lacking = [...own.missing(def.requires), ...(trainer ? own.missing(trainer.loaded.definition.requires) : [])];
      if (lacking.length) problems.push(at(m.space!.path, `method "${m.label}" needs a space that is ${[...new Set(lacking)].map((c) => `"${c}"`).join(' and ')}; ${own.says}`));
      if (def.needsBenchmark && !manifest.benchmark) problems.push(at(m.path, `method "${m.label}" queries a tabular benchmark; add a \`benchmark:\` to the manifest`));
      continue;
    }
    if (def.needsBenchmark && !manifest.benchmark) {
      problems.push(at(m.path, `method "${m.label}" queries a tabular benchmark; add a \`benchmark:\` to the manifest`));
    }
    const lacking = missing(def.requires);
    if (lacking.length) problems.push(at(m.path, `method "${m.label}" needs a space that is ${lacking.map((c) => `"${c}"`).join(' and ')}; ${spaceSays}`));
  }
  if (manifest.benchmark) {
    const bench = host.get('benchmark', manifest.benchmark.label);
    const space = host.get('space', manifest.space.label);
    const spaces = bench.loaded.definition.spaces;
    if (spaces && !spaces.includes(space.loaded.packageName)) {
      problems.push(
        at(manifest.space.path, `benchmark "${manifest.benchmark.label}" (${bench.loaded.packageName}) looks up architectures of ${spaces.join(', ')}, not of space "${manifest.space.label}" (${space.loaded.packageName})`),
      );
    }
  }
  if (trainer) {
    const lacking = missing(trainer.loaded.definition.requires);
    if (lacking.length) {
      const path = manifest.trainer ? manifest.trainer.path : manifest.space.path;
      problems.push(at(path, `trainer ${trainer.loaded.packageName} trains spaces that are ${lacking.map((c) => `"${c}"`).join(' and ')}; ${spaceSays}`));
    }
  }
  return problems;
}

/**
 * Each trick of the study, created once, must implement only hooks the trainer calls: a
 * misspelt hook would otherwise be called 0 times without a word.
 */
async function checkTrickHooks(
  manifest: Manifest,
  host: PluginHost,
  trainer: BoundPlugin<'trainer'>,
  container: DependencyContainer,
  at: (path: (string | number)[], message: string) => InputProblem,
): Promise<InputProblem[]> {
  const valid = trainer.loaded.definition.hooks;
  if (!valid) return [];
  const problems: InputProblem[] = [];
  const seen = new Set<string>();
  for (const p of manifest.protocols) {
    for (const ref of p.tricks) {
      if (seen.has(ref.label)) continue;
      seen.add(ref.label);
      const trick = (await host.instantiate(container.createChildContainer(), 'trick', ref.label)) as Trick;
      const unknown = Object.keys(trick.hooks ?? {}).filter((h) => !valid.includes(h));
      for (const h of unknown) {
        problems.push(
          at(
            ref.path,
            `trick "${ref.label}" (${host.get('trick', ref.label).loaded.packageName}) has a hook "${h}" that ${trainer.loaded.packageName} never calls${suggest(h, valid).replace('known', 'its hooks')}`,
          ),
        );
      }
    }
  }
  return problems;
}

/** The data identity of every dataset and benchmark plugin that reports one (all problems together). */
async function identifyData(manifest: Manifest, host: PluginHost): Promise<Map<string, string>> {
  const identities = new Map<string, string>();
  const problems: InputProblem[] = [];
  const refs: [PluginKind, PluginRef][] = manifest.benchmark ? [['benchmark', manifest.benchmark]] : manifest.datasets.map((d) => ['dataset', d]);
  for (const [kind, ref] of refs) {
    const bound = host.get(kind as 'dataset', ref.label);
    const definition = bound.loaded.definition as { dataIdentity?: (o: unknown) => string | Promise<string>; checkData?: (o: unknown, s: unknown) => void | Promise<void> };
    try {
      // The data is checked fully first: a corrupt file is an error now, not in every job.
      await definition.checkData?.(bound.options, { datasets: manifest.datasets.map((d) => d.label) });
      if (definition.dataIdentity) identities.set(dataKey(kind, ref.label), await definition.dataIdentity(bound.options));
    } catch (e) {
      problems.push({
        file: manifest.file,
        ...manifest.locate(ref.path),
        path: formatPath(ref.path),
        message: `${bound.loaded.packageName} cannot read its data: ${e instanceof Error ? e.message : String(e)}`,
      });
    }
  }
  throwAll(problems);
  return identities;
}
