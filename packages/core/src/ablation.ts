/**
 * Ablation studies over the training protocol: a manifest's `ablation:` block expands the base
 * protocol into several named protocols (the paper's Figure 3 / Augmentation.csv has ten:
 * Base, +Auxiliary, +DropPath, +Cutout, CD, CDA, CDA+50 channels, CDA+AutoAugment, …). Every
 * protocol is trained on the very same architectures, so their accuracy differences isolate
 * the tricks. Standalone: the manifest and planner wire it in.
 */
import { z } from 'zod';
import { formatPath, InputError, type InputProblem } from './errors.js';

const labelPattern = /^[A-Za-z0-9._-]+$/;
const protocolNamePattern = /^[A-Za-z0-9._+-]+$/;

/** A trick reference as in `protocol.tricks` (short id or `{ id, name, options }`). */
const trickRefSchema = z.union([
  z.string().min(1),
  z
    .object({
      id: z.string().min(1),
      name: z.string().regex(labelPattern, 'use letters, digits, ".", "_" or "-"').optional(),
      options: z.record(z.string(), z.unknown()).optional(),
    })
    .strict(),
]);

export const ABLATION_DESIGNS = ['one-at-a-time', 'cumulative', 'factorial'] as const;
export type AblationDesign = (typeof ABLATION_DESIGNS)[number];

export const namedProtocolSchema = z
  .object({
    name: z.string().regex(protocolNamePattern, 'use letters, digits, ".", "_", "+" or "-"'),
    tricks: z
      .array(z.string().min(1))
      .default([])
      .describe("Labels of ablation tricks this protocol adds to the base protocol's own tricks"),
  })
  // Any other key overrides a knob of the base protocol; the trainer's schema validates it.
  .catchall(z.unknown());

/** Bounds of an ablation's lists, checked before anything expands (each protocol trains every architecture again). */
export const ABLATION_LIMITS = { tricks: 64, designs: 16, protocols: 256 } as const;

export const ablationSchema = z
  .object({
    tricks: z
      .array(trickRefSchema)
      .max(ABLATION_LIMITS.tricks, `at most ${ABLATION_LIMITS.tricks} tricks`)
      .default([])
      .describe('Tricks the designs toggle, in order (cumulative adds them in this order)'),
    designs: z
      .array(
        z.union([
          z.enum(ABLATION_DESIGNS),
          z
            .object({
              design: z.enum(ABLATION_DESIGNS),
              tricks: z.array(z.string().min(1)).min(1).describe('Labels of the tricks this design toggles, in order'),
            })
            .strict(),
        ]),
      )
      .max(ABLATION_LIMITS.designs, `at most ${ABLATION_LIMITS.designs} designs`)
      .default([])
      .describe(
        'one-at-a-time: base and base + each trick; cumulative: base + the first k tricks for k = 1..n; factorial: base + every subset. A bare name acts on all `tricks`; `{ design, tricks: [labels] }` on those, in that order',
      ),
    includeBase: z.boolean().default(true).describe('Keep the base protocol itself in the study'),
    protocols: z.array(namedProtocolSchema).max(ABLATION_LIMITS.protocols, `at most ${ABLATION_LIMITS.protocols} protocols`).default([]).describe('Explicit protocols with their own overrides'),
  })
  .strict()
  .describe('Expand the protocol into an ablation study over tricks and knobs');

export type AblationInput = z.input<typeof ablationSchema>;
export type Ablation = z.output<typeof ablationSchema>;

export interface AblationTrickRef {
  readonly id: string;
  readonly label: string;
  readonly options: Record<string, unknown>;
  readonly path: (string | number)[];
}

export interface AblationBase {
  readonly name: string;
  readonly tricks: readonly AblationTrickRef[];
  readonly [key: string]: unknown;
}

/** One expanded protocol: the base's knobs, possibly overridden, and its full trick list. */
export type AblationProtocol<B extends AblationBase> = Omit<B, 'name' | 'tricks' | 'source'> & {
  readonly name: string;
  readonly tricks: AblationTrickRef[];
  /** Where the knobs this protocol overrides are written (explicit protocols), for error messages. */
  readonly source?: { readonly path: (string | number)[]; readonly knobs: readonly string[] };
};

/**
 * Expand `ablation` around `base` into named protocols, base first, then the designs in the
 * order one-at-a-time, cumulative, factorial (as listed), then the explicit protocols. A
 * protocol produced twice with the same content (cumulative's first step is one-at-a-time's
 * first) appears once; two different protocols with one name are an error. Generated names
 * are the base name and `+label` for each added trick, in the listed order.
 *
 * `ablation` may be raw input (it is validated) or already parsed; `at` is the field path of
 * the block in the manifest, for error messages.
 */
export function expandAblation<B extends AblationBase>(
  base: B,
  ablation: AblationInput | Ablation,
  options: { file?: string; at?: (string | number)[] } = {},
): AblationProtocol<B>[] {
  const file = options.file ?? 'manifest';
  const at = options.at ?? ['ablation'];
  const parsed = ablationSchema.safeParse(ablation);
  if (!parsed.success) {
    throw new InputError(
      parsed.error.issues.map((i) => ({ file, path: formatPath([...at, ...(i.path as (string | number)[])]), message: i.message })),
    );
  }
  const a = parsed.data;
  const problems: InputProblem[] = [];
  const problem = (path: (string | number)[], message: string) => problems.push({ file, path: formatPath(path), message });

  const allCandidates: AblationTrickRef[] = a.tricks.map((t, i) => {
    const path = [...at, 'tricks', i];
    return typeof t === 'string'
      ? { id: t, label: t, options: {}, path }
      : { id: t.id, label: t.name ?? t.id, options: t.options ?? {}, path };
  });
  const baseLabels = new Set(base.tricks.map((t) => t.label));
  const byLabel = new Map<string, AblationTrickRef>();
  for (const t of allCandidates) {
    if (byLabel.has(t.label) || baseLabels.has(t.label)) {
      problem(t.path, `trick label "${t.label}" is used twice (the base protocol or another ablation trick has it); give one a distinct \`name\``);
    }
    byLabel.set(t.label, t);
  }
  if (a.designs.length && allCandidates.length === 0) problem([...at, 'designs'], 'designs need at least one trick in `tricks`');

  const { name: baseName, tricks: baseTricks, source: baseSource, ...knobs } = base;
  const out: AblationProtocol<B>[] = [];
  const signatures = new Map<string, string>();
  const add = (name: string, added: readonly AblationTrickRef[], overrides: Record<string, unknown>, path: (string | number)[]) => {
    const tricks = [...baseTricks, ...added];
    const own = Object.keys(overrides);
    const source = own.length ? { path, knobs: own } : baseSource;
    const protocol = { ...knobs, ...overrides, name, tricks, ...(source ? { source } : {}) } as unknown as AblationProtocol<B>;
    const signature = JSON.stringify({ ...knobs, ...overrides, tricks: tricks.map((t) => [t.id, t.label, t.options]) });
    const seen = signatures.get(name);
    if (seen !== undefined) {
      if (seen !== signature) problem(path, `protocol name "${name}" is used by two different protocols`);
      return;
    }
    signatures.set(name, signature);
    out.push(protocol);
  };
  const nameOf = (added: readonly AblationTrickRef[]) => [baseName, ...added.map((t) => t.label)].join('+');

  if (a.includeBase) add(baseName, [], {}, at);
  a.designs.forEach((entry, d) => {
    const path = [...at, 'designs', d];
    const design = typeof entry === 'string' ? entry : entry.design;
    let candidates = allCandidates;
    if (typeof entry !== 'string') {
      candidates = [];
      entry.tricks.forEach((label, j) => {
        const t = byLabel.get(label);
        if (t) candidates.push(t);
        else problem([...path, 'tricks', j], `unknown trick "${label}"; ablation tricks are: ${[...byLabel.keys()].join(', ') || '(none)'}`);
      });
    }
    if (design === 'one-at-a-time') {
      for (const t of candidates) add(nameOf([t]), [t], {}, path);
    } else if (design === 'cumulative') {
      for (let k = 1; k <= candidates.length; k++) add(nameOf(candidates.slice(0, k)), candidates.slice(0, k), {}, path);
    } else {
      // Subsets by size, then in listed order within a size (binary counting per size).
      const n = candidates.length;
      if (n > 10) problem(path, `factorial over ${n} tricks is ${2 ** n} protocols; list at most 10`);
      else {
        const subsets = Array.from({ length: 2 ** n }, (_, mask) => candidates.filter((_, i) => mask & (1 << i)));
        subsets.sort((x, y) => x.length - y.length);
        for (const s of subsets) if (s.length > 0) add(nameOf(s), s, {}, path);
      }
    }
  });
  a.protocols.forEach((p, i) => {
    const path = [...at, 'protocols', i];
    const added: AblationTrickRef[] = [];
    p.tricks.forEach((label, j) => {
      const t = byLabel.get(label);
      if (!t) {
        const known = [...byLabel.keys()];
        problem([...path, 'tricks', j], `unknown trick "${label}"; ablation tricks are: ${known.length ? known.join(', ') : '(none)'}`);
      } else if (added.includes(t)) problem([...path, 'tricks', j], `trick "${label}" is listed twice`);
      else added.push(t);
    });
    const { name, tricks: _tricks, ...overrides } = p;
    const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
    add(name, added, defined, path);
  });
  if (problems.length) throw new InputError(problems);
  return out;
}
