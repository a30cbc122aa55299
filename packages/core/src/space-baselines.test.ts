import { describe, expect, it } from 'vitest';
import type { PluginKind } from './contracts.js';
import { manifestHash, parseManifestText } from './manifest.js';
import type { Manifest, PluginRef } from './manifest-types.js';
import { planStudy } from './planner.js';
import type { BoundPlugin, PluginHost } from './plugin-host.js';
import { isRandomBaseline, randomBaselineOf, searchesSeveralSpaces } from './space-baselines.js';

const text = (methods: string) => `name: two-spaces
seeds: [0, 1]
datasets: [fashion-mnist]
space: darts
methods:
${methods}baseline: random
protocol: { epochs: 1 }
`;
const twoSpaces = text(`  - { id: random-sampling, name: random, options: { samples: 2 } }
  - { id: darts, name: darts }
  - { id: pc-darts, name: pc-darts-on-pdarts, space: pdarts }
  - { id: enas, name: enas-on-pdarts, space: pdarts }
`);

/** Every plugin the manifest names, bound under its label (installed packages: no code digest). */
function hostFor(m: Manifest): PluginHost {
  const bound = new Map<string, BoundPlugin>();
  const add = (kind: PluginKind, r: PluginRef) =>
    bound.set(`${kind}:${r.label}`, {
      loaded: { kind, packageName: `@naslab/${kind}-${r.id}`, version: '1.0.0', dir: '.', source: 'installed', definition: kind === 'method' ? { outputs: () => 1 } : {} },
      ref: r,
      options: r.options,
    } as unknown as BoundPlugin);
  for (const d of m.datasets) add('dataset', d);
  add('space', m.space);
  for (const r of m.methods) {
    add('method', r);
    if (r.space) add('space', r.space);
  }
  return { get: (kind: string, label: string) => bound.get(`${kind}:${label}`)!, has: () => false } as unknown as PluginHost;
}

describe('a random baseline per searched space', () => {
  it('plans the baseline once per space and seed on a method’s own space, and pairs each method with its space’s', () => {
    const m = parseManifestText(twoSpaces, 'two-spaces.yaml');
    expect(m.methods.map((r) => r.label)).toEqual(['random', 'darts', 'pc-darts-on-pdarts', 'enas-on-pdarts', 'random@pdarts']);
    const planned = m.methods[4]!;
    expect(planned).toMatchObject({ id: 'random-sampling', options: { samples: 2 }, spaceBaseline: true, space: { id: 'pdarts' } });
    expect(randomBaselineOf(m, 'darts')).toBe('random');
    expect(randomBaselineOf(m, 'pc-darts-on-pdarts')).toBe('random@pdarts');
    expect(randomBaselineOf(m, 'enas-on-pdarts')).toBe('random@pdarts');
    expect(randomBaselineOf(m, 'random')).toBeUndefined();
    expect(randomBaselineOf(m, 'random@pdarts')).toBeUndefined();
    expect(isRandomBaseline(m, 'random@pdarts')).toBe(true);
    expect(isRandomBaseline(m, 'pc-darts-on-pdarts')).toBe(false);
    expect(searchesSeveralSpaces(m)).toBe(true);

    const searches = planStudy(m, hostFor(m)).filter((j) => j.kind === 'search');
    const spaceOf = (method: string) => searches.filter((j) => j.method === method).map((j) => (j.spec as { space: { package: string } }).space.package);
    // Two seeds each; the pdarts baseline samples pdarts, as the baseline does darts.
    expect(spaceOf('random')).toEqual(['@naslab/space-darts', '@naslab/space-darts']);
    expect(spaceOf('random@pdarts')).toEqual(['@naslab/space-pdarts', '@naslab/space-pdarts']);
    expect(spaceOf('pc-darts-on-pdarts')).toEqual(['@naslab/space-pdarts', '@naslab/space-pdarts']);
    const method = (label: string) => searches.filter((j) => j.method === label).map((j) => (j.spec as { method: unknown }).method);
    expect(method('random@pdarts')).toEqual(method('random'));
    expect(searches).toHaveLength(10);
  });

  it('plans nothing more when a method already samples that space with the baseline’s plugin (any sample count), nor for the baseline’s own space', () => {
    const m = parseManifestText(
      text(`  - { id: random-sampling, name: random, options: { samples: 2 } }
  - { id: random-sampling, name: random-pdarts, options: { samples: 3 }, space: pdarts }
  - { id: pc-darts, name: pc-darts-on-pdarts, space: pdarts }
  - { id: darts, name: darts-on-darts, space: darts }
`),
      'reuse.yaml',
    );
    expect(m.methods.some((r) => r.spaceBaseline)).toBe(false);
    expect(randomBaselineOf(m, 'pc-darts-on-pdarts')).toBe('random-pdarts');
    expect(randomBaselineOf(m, 'darts-on-darts')).toBe('random');
    // A method that is its space's random sampling has itself as baseline: no RI to give.
    expect(randomBaselineOf(m, 'random-pdarts')).toBe('random-pdarts');
  });

  it('leaves a manifest of one space, and every manifest hash, as they were', () => {
    const one = parseManifestText(text('  - { id: random-sampling, name: random }\n  - darts\n'), 'one.yaml');
    expect(one.methods.map((r) => r.label)).toEqual(['random', 'darts']);
    expect(searchesSeveralSpaces(one)).toBe(false);
    // The hash is of the methods written: the planned baseline follows from them.
    const m = parseManifestText(twoSpaces, 'two-spaces.yaml');
    expect(m.hash).toBe(manifestHash({ ...m, methods: m.methods.filter((r) => !r.spaceBaseline) }));
    // …and differs from that of a manifest that writes the same method out.
    expect(m.hash).not.toBe(manifestHash({ ...m, methods: m.methods.map(({ spaceBaseline: _p, ...r }) => r) }));
  });
});
