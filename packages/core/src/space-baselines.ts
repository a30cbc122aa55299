/**
 * The random baseline of each space a study searches. RI compares a method with random sampling
 * of the space it searched (the paper's protocol: the same space, sampled uniformly), so a method
 * with its own `space` is compared with the manifest's baseline method on that space, planned
 * once per space (and per dataset and seed, as every method), not with the baseline on the
 * manifest's space.
 */
import { canonicalJson } from './hash.js';
import type { Manifest, PluginRef } from './manifest-types.js';

type Methods = Pick<Manifest, 'space' | 'methods' | 'baseline'>;

/** One space: the same plugin with the same options (as written). */
function sameSpace(a: PluginRef, b: PluginRef): boolean {
  return a.id === b.id && canonicalJson(a.options) === canonicalJson(b.options);
}

/**
 * The method of `methods` that samples `space` with the baseline's plugin, if any. Its options may
 * differ (a sampler of 56 architectures is as uniform as one of 214), so a study that samples two
 * spaces on purpose, like the paper's op-set study, plans no third sampler.
 */
function samplerOf(m: Methods, space: PluginRef): string | undefined {
  const base = m.methods.find((r) => r.label === m.baseline);
  if (!base) return undefined;
  if (sameSpace(space, base.space ?? m.space)) return base.label;
  return m.methods.find((r) => r.id === base.id && sameSpace(r.space ?? m.space, space))?.label;
}

/**
 * The methods of a manifest with the random baselines its method spaces need: for each space a
 * method searches that no method samples as the baseline does, the baseline method on that space
 * (label `<baseline>@<space>`, marked `spaceBaseline`). Without method spaces: `methods` as given.
 */
export function withSpaceBaselines(m: Methods): PluginRef[] {
  const base = m.methods.find((r) => r.label === m.baseline);
  const methods = [...m.methods];
  if (!base) return methods;
  for (const r of m.methods) {
    const space = r.space ?? m.space;
    if (samplerOf({ ...m, methods }, space)) continue;
    const name = space.label.includes('@') ? space.id : space.label;
    let label = `${base.label}@${name}`;
    for (let n = 2; methods.some((x) => x.label === label); n++) label = `${base.label}@${name}-${n}`;
    // Errors in its options are the baseline's: they point at the baseline's entry.
    methods.push({ id: base.id, label, options: base.options, path: base.path, space: { ...space, label: `${space.id}@${label}` }, spaceBaseline: true });
  }
  return methods;
}

/**
 * The method whose runs are `method`'s RI baseline: the random sampling of the space it searched.
 * Undefined for a random baseline itself (the manifest's, or one planned for a space). A method
 * that samples its own space with the baseline's plugin is that space's baseline: its own label.
 */
export function randomBaselineOf(m: Methods, method: string): string | undefined {
  const ref = m.methods.find((r) => r.label === method);
  if (!ref || isRandomBaseline(m, method)) return undefined;
  return samplerOf(m, ref.space ?? m.space);
}

/** Whether `method`'s runs are random samples of a baseline (the manifest's, or a space's planned one). */
export function isRandomBaseline(m: Pick<Manifest, 'methods' | 'baseline'>, method: string): boolean {
  return method === m.baseline || m.methods.some((r) => r.label === method && r.spaceBaseline === true);
}

/** Whether the study's methods search more than one space (each then has its own baseline). */
export function searchesSeveralSpaces(m: Pick<Manifest, 'space' | 'methods'>): boolean {
  return m.methods.some((r) => !sameSpace(r.space ?? m.space, m.space));
}
