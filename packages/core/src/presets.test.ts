import { describe, expect, it } from 'vitest';
import { parseManifestText } from './manifest.js';
import { resolvePresets, type PresetOwner } from './presets.js';

const owners: PresetOwner[] = [
  {
    label: 'pdarts',
    packageName: '@acme/method-pdarts',
    presets: {
      'pdarts-paper': {
        description: 'P-DARTS evaluation recipe',
        knobs: { epochs: 600, cells: 20 },
        tricks: ['crop-flip', { id: 'cutout', options: { length: 16 } }, { id: 'drop-path', options: { probability: 0.3 } }],
      },
    },
  },
  { label: 'random-sampling', packageName: '@acme/method-random', presets: {} },
];

const manifest = (protocol: string, extra = '') =>
  parseManifestText(`name: p
seeds: 1
datasets: [cifar]
space: darts
methods: [random-sampling, pdarts]
protocol: ${protocol}
${extra}`);

describe('resolvePresets', () => {
  it('puts the preset beneath the protocol: own knobs win, own tricks replace the preset’s of the same label and come after it', () => {
    const m = manifest(`{ preset: pdarts-paper, epochs: 10, tricks: [{ id: cutout, options: { length: 8 } }, auxiliary-tower] }`);
    const { protocols, problems } = resolvePresets(m.protocols, owners, m);
    expect(problems).toEqual([]);
    const [p] = protocols;
    expect(p).toMatchObject({ name: 'base', epochs: 10, cells: 20 });
    expect(p!.preset).toBeUndefined();
    expect(p!.tricks.map((t) => [t.label, t.options])).toEqual([
      ['crop-flip', {}],
      ['cutout', { length: 8 }],
      ['drop-path', { probability: 0.3 }],
      ['auxiliary-tower', {}],
    ]);
  });

  it('resolves each ablation protocol on its own preset', () => {
    const m = manifest(`{ epochs: 1 }`, `ablation:\n  protocols:\n    - { name: pd, preset: pdarts-paper }\n`);
    const { protocols, problems } = resolvePresets(m.protocols, owners, m);
    expect(problems).toEqual([]);
    expect(protocols.map((p) => [p.name, p.epochs, p.cells, p.tricks.length])).toEqual([
      ['base', 1, undefined, 0],
      // The base protocol's own knob (epochs: 1) is inherited by the entry and wins over its preset.
      ['pd', 1, 20, 3],
    ]);
  });

  it('says where an unknown preset is named and which presets exist', () => {
    const m = manifest(`{ epochs: 1 }`, `ablation:\n  protocols:\n    - { name: pd, preset: darts-paper }\n`);
    const { problems } = resolvePresets(m.protocols, owners, m);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ path: 'ablation.protocols[0].preset', line: 9 });
    expect(problems[0]!.message).toBe('unknown protocol preset "darts-paper"; the study\'s methods export: pdarts-paper (pdarts) (did you mean "pdarts-paper"?)');
    const none = resolvePresets(manifest('{ preset: x }').protocols, [owners[1]!], m);
    expect(none.problems[0]!.message).toBe('unknown protocol preset "x"; none of the study\'s methods exports a preset');
  });

  it('refuses a preset two methods export differently', () => {
    const m = manifest('{ preset: pdarts-paper }');
    const twin = { ...owners[0]!, label: 'pdarts-2', presets: { 'pdarts-paper': { description: 'other', knobs: { epochs: 1 } } } };
    expect(resolvePresets(m.protocols, [owners[0]!, twin], m).problems[0]!.message).toMatch(/exported differently by pdarts \(@acme\/method-pdarts\) and pdarts-2/);
    expect(resolvePresets(m.protocols, [owners[0]!, { ...owners[0]!, label: 'same' }], m).problems).toEqual([]);
  });
});
