/**
 * Protocol presets: a method's own evaluation recipe (the paper's Table 2 row of it) under a
 * name, so that a manifest writes `protocol: { preset: pdarts-paper }` instead of spelling every
 * knob and trick. The protocol's own knobs override the preset's; its tricks replace the preset's
 * trick of the same label and add the others. `prepareStudy` resolves presets before the trainer's
 * schema validates the knobs, and the study records the resolved protocol (job ids, manifest hash).
 */
import { formatPath, type InputProblem } from './errors.js';
import { canonicalJson } from './hash.js';
import type { PluginRefInput } from './manifest-schema.js';
import type { ManifestSource, PluginRef, ResolvedProtocol } from './manifest-types.js';
import { suggest } from './problems.js';

/** A named evaluation recipe a method plugin exports (`presets: { 'pdarts-paper': {...} }`). */
export interface ProtocolPreset {
  /** What the recipe is and where it comes from (paper, table, reference code). */
  readonly description: string;
  /** Knobs of the trainer (the engine's: epochs, batchSize, channels, cells, …). */
  readonly knobs?: Readonly<Record<string, unknown>>;
  /** Tricks, as a manifest's `protocol.tricks` lists them (short id or `{ id, name, options }`). */
  readonly tricks?: readonly PluginRefInput[];
}

/** The presets one plugin of the study exports, and who it is (for messages). */
export interface PresetOwner {
  readonly label: string;
  readonly packageName: string;
  readonly presets: Readonly<Record<string, ProtocolPreset>>;
}

/**
 * Replace each protocol's `preset` by the preset's knobs and tricks beneath the protocol's own.
 * A preset no owner exports, or one two owners export differently, is a problem at the field
 * that names it.
 */
export function resolvePresets(
  protocols: readonly ResolvedProtocol[],
  owners: readonly PresetOwner[],
  source: ManifestSource,
): { protocols: ResolvedProtocol[]; problems: InputProblem[] } {
  const problems: InputProblem[] = [];
  const reported = new Set<string>();
  const out: ResolvedProtocol[] = [];
  for (const p of protocols) {
    const { preset: name, ...rest } = p;
    if (name === undefined) {
      out.push(p);
      continue;
    }
    const path = p.source?.knobs.includes('preset') ? [...p.source.path, 'preset'] : ['protocol', 'preset'];
    const problem = (message: string) => {
      const key = `${formatPath(path)}: ${message}`;
      if (reported.has(key)) return;
      reported.add(key);
      problems.push({ file: source.file, ...source.locate(path), path: formatPath(path), message });
    };
    const found = owners.filter((o) => Object.hasOwn(o.presets, name));
    if (found.length === 0) {
      const known = owners.flatMap((o) => Object.keys(o.presets));
      const exported = owners
        .filter((o) => Object.keys(o.presets).length)
        .map((o) => `${Object.keys(o.presets).join(', ')} (${o.label})`)
        .join('; ');
      problem(
        `unknown protocol preset "${name}"; ${exported ? `the study's methods export: ${exported}` : "none of the study's methods exports a preset"}${known.length ? suggest(name, known).replace(/ \(known: .*\)$/, '') : ''}`,
      );
      continue;
    }
    const preset = found[0]!.presets[name]!;
    const differing = found.filter((o) => canonicalJson(o.presets[name]) !== canonicalJson(preset));
    if (differing.length) {
      problem(`protocol preset "${name}" is exported differently by ${[found[0]!, ...differing].map((o) => `${o.label} (${o.packageName})`).join(' and ')}`);
      continue;
    }
    const own = new Map(p.tricks.map((t) => [t.label, t]));
    const fromPreset: PluginRef[] = (preset.tricks ?? []).map((t) =>
      typeof t === 'string' ? { id: t, label: t, options: {}, path } : { id: t.id, label: t.name ?? t.id, options: t.options ?? {}, path },
    );
    const presetLabels = new Set(fromPreset.map((t) => t.label));
    const tricks = [...fromPreset.map((t) => own.get(t.label) ?? t), ...p.tricks.filter((t) => !presetLabels.has(t.label))];
    const where = p.source && { ...p.source, knobs: p.source.knobs.filter((k) => k !== 'preset') };
    out.push({ ...(preset.knobs ?? {}), ...rest, tricks, ...(where ? { source: where } : {}) });
  }
  return { protocols: out, problems };
}
