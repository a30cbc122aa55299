import { readFileSync } from 'node:fs';
import { extname, resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { z } from 'zod';
import { ablationSchema, expandAblation, type AblationBase } from './ablation.js';
import { formatPath, InputError, type InputProblem } from './errors.js';
import { contentHash } from './hash.js';

/** A reference to a plugin: its short id or package name, and its options. */
const pluginRefObject = z
  .object({
    id: z.string().min(1).describe('Short id (`darts` → @naslab/<kind>-darts) or a package name'),
    name: z
      .string()
      .regex(/^[A-Za-z0-9._-]+$/, 'use letters, digits, ".", "_" or "-"')
      .optional()
      .describe('Label in results, when one plugin is used twice with different options'),
    options: z.record(z.string(), z.unknown()).optional().describe("The plugin's own options"),
  })
  .strict();

export const pluginRefSchema = z.union([z.string().min(1), pluginRefObject]);
export type PluginRefInput = z.input<typeof pluginRefSchema>;

export interface PluginRef {
  readonly id: string;
  /** Label used in job ids and results (defaults to the id). */
  readonly label: string;
  readonly options: Record<string, unknown>;
  /** Field path of this reference in the manifest, for error messages. */
  readonly path: (string | number)[];
}

export const protocolSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9._+-]+$/).default('base'),
    epochs: z.number().int().positive().default(600),
    batchSize: z.number().int().positive().default(96),
    learningRate: z.number().positive().default(0.025),
    learningRateMin: z.number().nonnegative().default(0),
    momentum: z.number().min(0).max(1).default(0.9),
    weightDecay: z.number().nonnegative().default(3e-4),
    gradClip: z.number().positive().nullable().default(5),
    channels: z.number().int().positive().default(36),
    cells: z.number().int().min(3).default(20),
    testEvery: z.number().int().positive().default(1),
    tricks: z.array(pluginRefSchema).default([]).describe('Training tricks (plugins of kind trick)'),
  })
  .strict()
  .describe('The evaluation protocol: how every architecture is trained from scratch (DARTS defaults)');

export const manifestSchema = z
  .object({
    $schema: z.string().optional(),
    name: z
      .string()
      .regex(/^[A-Za-z0-9._-]+$/, 'use letters, digits, ".", "_" or "-"')
      .describe('Study name'),
    description: z.string().optional(),
    seeds: z
      .union([z.number().int().positive(), z.array(z.number().int().nonnegative()).min(1)])
      .describe('Search seeds: a count n (0..n-1) or an explicit list'),
    datasets: z.array(pluginRefSchema).min(1),
    space: pluginRefSchema,
    methods: z.array(pluginRefSchema).min(1),
    baseline: z
      .string()
      .default('random-sampling')
      .describe('Label of the method every other is compared with (relative improvement)'),
    protocol: protocolSchema.default(() => protocolSchema.parse({})),
    ablation: ablationSchema
      .optional()
      .describe('Expand the protocol into a family (one-at-a-time, cumulative, factorial, named protocols) trained on the same architectures'),
    benchmark: pluginRefSchema
      .optional()
      .describe('A tabular benchmark: look-ups replace train-from-scratch and evaluation'),
    trainer: pluginRefSchema.optional().describe('Trainer plugin (default: the TensorFlow.js engine)'),
    backend: z
      .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
      .default('auto')
      .describe('`auto` (fastest loadable), a backend id, or a list tried in order'),
    executor: pluginRefSchema.default('local'),
    store: z.string().min(1).default('.naslab').describe('Results folder, relative to the manifest'),
    scoring: z
      .enum(['final', 'best'])
      .default('final')
      .describe("Which accuracy reports use: at the final epoch (the paper's text) or best over epochs (its released code); both are stored"),
  })
  .strict();

/** What a manifest author writes (YAML, or TypeScript through `defineExperiment`). */
export type ExperimentInput = z.input<typeof manifestSchema>;
type ParsedManifest = z.output<typeof manifestSchema>;

/** Identity helper that types an experiment written in TypeScript/JavaScript. */
export function defineExperiment(experiment: ExperimentInput): ExperimentInput {
  return experiment;
}

export interface ResolvedProtocol extends Omit<z.output<typeof protocolSchema>, 'tricks'> {
  readonly tricks: PluginRef[];
}

/** A validated manifest, with plugin references normalised and the source kept for errors. */
export interface Manifest {
  readonly file: string;
  readonly dir: string;
  /** sha256 prefix of the normalised manifest (provenance). */
  readonly hash: string;
  readonly name: string;
  readonly description?: string;
  readonly seeds: number[];
  readonly datasets: PluginRef[];
  readonly space: PluginRef;
  readonly methods: PluginRef[];
  readonly baseline: string;
  readonly protocol: ResolvedProtocol;
  /** The protocols train jobs use: the base protocol, or its ablation family (base first). */
  readonly protocols: ResolvedProtocol[];
  readonly benchmark?: PluginRef;
  readonly trainer?: PluginRef;
  readonly backends: string[];
  readonly executor: PluginRef;
  /** Absolute path of the results folder. */
  readonly store: string;
  readonly scoring: 'final' | 'best';
  /** Locates a field path in the source, for error messages. */
  readonly locate: (path: (string | number)[]) => { line?: number; column?: number };
  readonly raw: unknown;
}

interface Source {
  file: string;
  raw: unknown;
  locate: (path: (string | number)[]) => { line?: number; column?: number };
}

function yamlSource(file: string, text: string): Source {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length) {
    throw new InputError(
      doc.errors.map((e) => {
        const pos = e.linePos?.[0];
        return { file, line: pos?.line, column: pos?.col, message: `invalid YAML: ${e.message.split('\n')[0]}` };
      }),
    );
  }
  const locate = (path: (string | number)[]) => locateInYaml(doc, lineCounter, path);
  return { file, raw: doc.toJS({ maxAliasCount: 100 }), locate };
}

/** The deepest node along `path` that exists (a missing field points at its parent). */
function locateInYaml(doc: Document, lc: LineCounter, path: (string | number)[]) {
  let node: unknown = doc.contents;
  let best: Node | undefined = isNodeWithRange(node) ? node : undefined;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(key));
      if (!pair) break;
      node = pair.value;
      const keyNode = pair.key as Node;
      best = isNodeWithRange(node) ? node : keyNode;
    } else if (isSeq(node) && typeof key === 'number') {
      node = node.items[key];
      if (!isNodeWithRange(node)) break;
      best = node;
    } else break;
  }
  if (!best?.range) return {};
  const pos = lc.linePos(best.range[0]);
  return { line: pos.line, column: pos.col };
}

/** `a.b[2].c` → ['a', 'b', 2, 'c'] (inverse of formatPath). */
function parsePath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]!);
  return out;
}

/** Position of a key (for "unknown field" errors). */
function locateKey(source: Source, parent: (string | number)[], key: string) {
  return source.locate([...parent, key]);
}

function isNodeWithRange(node: unknown): node is Node {
  return !!node && typeof node === 'object' && 'range' in node;
}

/** Load and validate a manifest file (.yaml/.yml/.json, or .js/.mjs exporting defineExperiment). */
export async function loadManifest(file: string): Promise<Manifest> {
  const abs = resolvePath(file);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (e) {
    throw new InputError({ file, message: `cannot read manifest: ${(e as NodeJS.ErrnoException).code ?? e}` });
  }
  const ext = extname(abs).toLowerCase();
  if (ext === '.js' || ext === '.mjs' || ext === '.ts' || ext === '.mts') {
    let mod: { default?: unknown };
    try {
      mod = await import(pathToFileURL(abs).href);
    } catch (e) {
      throw new InputError({ file, message: `cannot import manifest module: ${(e as Error).message}` });
    }
    return validateManifest({ file: abs, raw: mod.default, locate: () => ({}) });
  }
  return validateManifest(yamlSource(abs, text));
}

/** Validate a manifest from YAML text (tests, editors). */
export function parseManifestText(text: string, file = 'manifest.yaml'): Manifest {
  return validateManifest(yamlSource(resolvePath(file), text));
}

/** Validate an in-memory experiment (from `defineExperiment`). */
export function manifestFromObject(experiment: ExperimentInput, file = 'experiment.ts'): Manifest {
  return validateManifest({ file: resolvePath(file), raw: experiment, locate: () => ({}) });
}

function validateManifest(source: Source): Manifest {
  const { file, raw } = source;
  if (raw === null || raw === undefined || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InputError({ file, line: 1, column: 1, message: 'a manifest must be a mapping (name, seeds, datasets, space, methods, …)' });
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) throw new InputError(zodProblems(parsed.error.issues, source, []));
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
  const datasets = m.datasets.map((d, i) => ref(d, ['datasets', i]));
  const methods = m.methods.map((d, i) => ref(d, ['methods', i]));
  const tricks = m.protocol.tricks.map((d, i) => ref(d, ['protocol', 'tricks', i]));
  unique(datasets, 'dataset');
  unique(methods, 'method');
  unique(tricks, 'trick');
  if (!methods.some((mm) => mm.label === m.baseline)) {
    at(['baseline'], `baseline "${m.baseline}" is not one of the methods (${methods.map((x) => x.label).join(', ')}); add it to methods or set baseline`);
  }
  const backends = Array.isArray(m.backend) ? m.backend : [m.backend];
  if (backends.includes('auto') && backends.length > 1) at(['backend'], '`auto` cannot be combined with other backends');
  if (problems.length) throw new InputError(problems);

  const { tricks: _t, ...protocolRest } = m.protocol;
  const baseProtocol: ResolvedProtocol = { ...protocolRest, tricks };
  let protocols: ResolvedProtocol[] = [baseProtocol];
  if (m.ablation) {
    try {
      protocols = expandAblation(baseProtocol as unknown as AblationBase, m.ablation, { file }) as unknown as ResolvedProtocol[];
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      throw new InputError(e.problems.map((p) => ({ ...p, ...(p.path ? source.locate(parsePath(p.path)) : {}) })));
    }
  }
  const normalised = {
    name: m.name,
    seeds,
    datasets: datasets.map(({ id, label, options }) => ({ id, label, options })),
    space: ref(m.space, ['space']),
    methods: methods.map(({ id, label, options }) => ({ id, label, options })),
    baseline: m.baseline,
    protocols: protocols.map((p) => ({ ...p, tricks: p.tricks.map(({ id, label, options }) => ({ id, label, options })) })),
    benchmark: m.benchmark && ref(m.benchmark, ['benchmark']),
    trainer: m.trainer && ref(m.trainer, ['trainer']),
  };
  const dir = resolvePath(file, '..');
  return {
    file,
    dir,
    hash: contentHash({ ...normalised, space: { ...normalised.space, path: undefined } }),
    name: m.name,
    description: m.description,
    seeds,
    datasets,
    space: ref(m.space, ['space']),
    methods,
    baseline: m.baseline,
    protocol: baseProtocol,
    protocols,
    benchmark: m.benchmark === undefined ? undefined : ref(m.benchmark, ['benchmark']),
    trainer: m.trainer === undefined ? undefined : ref(m.trainer, ['trainer']),
    backends,
    executor: ref(m.executor, ['executor']),
    store: resolvePath(dir, m.store),
    scoring: m.scoring,
    locate: source.locate,
    raw,
  };
}

/**
 * Turn zod issues into located problems. Union failures are unwrapped to the branch that
 * matches the input's shape, so a bad option inside `{ id, options }` is reported there.
 */
export function zodProblems(
  issues: readonly z.core.$ZodIssue[],
  source: { file: string; raw?: unknown; locate: Source['locate'] },
  prefix: (string | number)[],
): InputProblem[] {
  const out: InputProblem[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...(issue.path as (string | number)[])];
    if (issue.code === 'invalid_union' && 'errors' in issue && Array.isArray(issue.errors)) {
      const branches = issue.errors as z.core.$ZodIssue[][];
      // The branch whose type matched the input (e.g. the mapping form of a plugin reference)
      // explains the error best; if none matched, say which types were expected.
      const matched = branches.find((b) => !b.some((i) => i.code === 'invalid_type' && i.path.length === 0));
      if (matched) {
        out.push(...zodProblems(matched, source, path));
        continue;
      }
      const value = valueAt(source.raw, path);
      const message =
        value === undefined
          ? `required field is missing (expected ${describeUnion(branches)})`
          : `expected ${describeUnion(branches)}, got ${typeName(value)}`;
      out.push({ file: source.file, ...source.locate(path), path: formatPath(path), message });
      continue;
    }
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        out.push({
          file: source.file,
          ...locateKey(source as Source, path, key),
          path: formatPath([...path, key]),
          message: `unknown field "${key}"${suggest(key, knownKeys(path))}`,
        });
      }
      continue;
    }
    out.push({ file: source.file, ...source.locate(path), path: formatPath(path), message: issueMessage(issue, valueAt(source.raw, path)) });
  }
  return out;
}

function issueMessage(issue: z.core.$ZodIssue, value: unknown): string {
  if (issue.code === 'invalid_type') {
    return value === undefined ? `required field is missing (expected ${issue.expected})` : `expected ${issue.expected}, got ${typeName(value)}`;
  }
  return issue.message;
}

function describeUnion(branches: z.core.$ZodIssue[][]): string {
  const kinds = branches.map((b) => (b[0]?.code === 'invalid_type' && b[0].path.length === 0 ? b[0].expected : 'object'));
  return [...new Set(kinds)].join(' or ');
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v === 'object' ? 'object' : `${typeof v} ${JSON.stringify(v)}`;
}

/** The value at a field path of a raw (parsed, unvalidated) manifest. */
export function valueAt(raw: unknown, path: readonly (string | number)[]): unknown {
  let v: unknown = raw;
  for (const k of path) {
    if (v && typeof v === 'object') v = (v as Record<string | number, unknown>)[k];
    else return undefined;
  }
  return v;
}

const topLevelKeys = Object.keys(manifestSchema.shape);
const protocolKeys = Object.keys(protocolSchema.shape);
const ablationKeys = Object.keys(ablationSchema.shape);
function knownKeys(path: (string | number)[]): string[] {
  if (path.length === 0) return topLevelKeys;
  if (path.length === 1 && path[0] === 'protocol') return protocolKeys;
  if (path.length === 1 && path[0] === 'ablation') return ablationKeys;
  return ['id', 'name', 'options'];
}

function suggest(key: string, known: string[]): string {
  let best: string | undefined;
  let bestD = 3;
  for (const k of known) {
    const d = editDistance(key.toLowerCase(), k.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best ? ` (did you mean "${best}"?)` : ` (known: ${known.join(', ')})`;
}

function editDistance(a: string, b: string): number {
  const dp = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) dp[0]![j] = j;
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      dp[i]![j] = Math.min(dp[i - 1]![j]! + 1, dp[i]![j - 1]! + 1, dp[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
  return dp[a.length]![b.length]!;
}

/** JSON Schema of the manifest, for editor completion (`# yaml-language-server: $schema=…`). */
export function manifestJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(manifestSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
