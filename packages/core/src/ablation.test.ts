import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { ablationSchema, expandAblation, type AblationBase } from './ablation.js';
import { InputError } from './errors.js';

const base: AblationBase = {
  name: 'base',
  epochs: 600,
  channels: 36,
  cells: 20,
  batchSize: 96,
  tricks: [],
};
const names = (ps: { name: string }[]) => ps.map((p) => p.name);
const trickLabels = (p: { tricks: readonly { label: string }[] }) => p.tricks.map((t) => t.label);

describe('expandAblation', () => {
  it('one-at-a-time: base, then base + each trick alone', () => {
    const ps = expandAblation(base, { tricks: ['cutout', 'drop-path', 'auxiliary-tower'], designs: ['one-at-a-time'] });
    expect(names(ps)).toEqual(['base', 'base+cutout', 'base+drop-path', 'base+auxiliary-tower']);
    expect(ps.map(trickLabels)).toEqual([[], ['cutout'], ['drop-path'], ['auxiliary-tower']]);
    expect(ps[2]).toMatchObject({ epochs: 600, channels: 36, cells: 20, batchSize: 96 });
  });

  it('cumulative adds the tricks in the listed order', () => {
    const ps = expandAblation(base, { tricks: ['cutout', 'drop-path', 'auxiliary-tower'], designs: ['cumulative'] });
    expect(ps.map(trickLabels)).toEqual([[], ['cutout'], ['cutout', 'drop-path'], ['cutout', 'drop-path', 'auxiliary-tower']]);
  });

  it('factorial gives every subset once (2^n protocols), smaller subsets first', () => {
    const ps = expandAblation(base, { tricks: ['a', 'b', 'c'], designs: ['factorial'] });
    expect(ps).toHaveLength(8);
    expect(new Set(ps.map((p) => trickLabels(p).join(','))).size).toBe(8);
    expect(names(ps).slice(0, 4)).toEqual(['base', 'base+a', 'base+b', 'base+c']);
    expect(names(ps)[7]).toBe('base+a+b+c');
  });

  it('a design may name its own tricks and order', () => {
    const ps = expandAblation(base, {
      tricks: ['cutout', 'drop-path', 'auxiliary-tower', 'autoaugment'],
      designs: [
        { design: 'one-at-a-time', tricks: ['auxiliary-tower', 'drop-path', 'cutout'] },
        { design: 'cumulative', tricks: ['cutout', 'drop-path', 'auxiliary-tower'] },
      ],
    });
    expect(names(ps)).toEqual([
      'base',
      'base+auxiliary-tower',
      'base+drop-path',
      'base+cutout',
      'base+cutout+drop-path',
      'base+cutout+drop-path+auxiliary-tower',
    ]);
    expect(() => expandAblation(base, { tricks: ['a'], designs: [{ design: 'cumulative', tricks: ['b'] }] })).toThrow(/unknown trick "b"/);
  });

  it('merges designs without duplicating identical protocols', () => {
    const ps = expandAblation(base, { tricks: ['a', 'b'], designs: ['one-at-a-time', 'cumulative'] });
    expect(names(ps)).toEqual(['base', 'base+a', 'base+b', 'base+a+b']);
  });

  it('explicit protocols carry their own overrides and trick options; base tricks are always kept', () => {
    const withBaseTrick = { ...base, tricks: [{ id: 'label-smoothing', label: 'label-smoothing', options: {}, path: ['protocol', 'tricks', 0] }] };
    const ps = expandAblation(withBaseTrick, {
      tricks: [{ id: 'cutout', name: 'C', options: { length: 8 } }, 'drop-path'],
      includeBase: false,
      protocols: [{ name: 'long-wide', tricks: ['C'], epochs: 1500, channels: 50 }],
    });
    expect(ps).toHaveLength(1);
    expect(ps[0]).toMatchObject({ name: 'long-wide', epochs: 1500, channels: 50, cells: 20, batchSize: 96 });
    expect(ps[0]!.tricks.map((t) => [t.id, t.label, t.options])).toEqual([
      ['label-smoothing', 'label-smoothing', {}],
      ['cutout', 'C', { length: 8 }],
    ]);
    expect(ps[0]!.tricks[1]!.path).toEqual(['ablation', 'tricks', 0]);
  });

  it('reports unknown tricks, reused names and label clashes with their field paths', () => {
    const expectProblems = (input: unknown, fragments: string[]) => {
      try {
        expandAblation(base, input as never);
        expect.unreachable('should have thrown');
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        const text = (e as InputError).problems.map((p) => `${p.path}: ${p.message}`).join('\n');
        for (const f of fragments) expect(text).toContain(f);
      }
    };
    expectProblems({ tricks: ['cutout'], protocols: [{ name: 'x', tricks: ['cutuot'] }] }, ['ablation.protocols[0].tricks[0]', 'unknown trick "cutuot"', 'cutout']);
    expectProblems({ tricks: ['cutout'], designs: ['one-at-a-time'], protocols: [{ name: 'base+cutout', epochs: 10 }] }, [
      'protocol name "base+cutout" is used by two different protocols',
    ]);
    expectProblems({ tricks: ['cutout', 'cutout'] }, ['ablation.tricks[1]', 'used twice']);
    expectProblems({ designs: ['one-at-a-time'] }, ['need at least one trick']);
    expectProblems({ designs: ['random'] }, ['ablation.designs[0]']);
    expectProblems({ protocols: [{ name: 'bad name' }] }, ['ablation.protocols[0].name']);
    expectProblems({ tricks: [], extra: 1 }, ['ablation']);
  });
});

describe('the paper-protocol manifests', () => {
  const manifest = (file: string) =>
    parse(readFileSync(new URL(`../../../experiments/${file}`, import.meta.url), 'utf8')) as {
      protocol: Record<string, unknown> & { tricks?: unknown[] };
      ablation: unknown;
    };

  it.each(['paper-protocol-ablation.yaml', 'paper-protocol-ablation-tiny.yaml'])(
    '%s expands to the ten protocols of Augmentation.csv',
    (file) => {
      const m = manifest(file);
      const ablation = ablationSchema.parse(m.ablation);
      const { tricks: _t, ...knobs } = m.protocol;
      const baseProtocol: AblationBase = { ...knobs, name: String(m.protocol.name ?? 'base'), tricks: [] };
      const ps = expandAblation(baseProtocol, ablation);
      expect(ps).toHaveLength(10);
      const find = (tricks: string[]) => ps.filter((p) => trickLabels(p).slice().sort().join(',') === tricks.slice().sort().join(','));
      // Base, A, D, C, CD, CDA with base knobs; then the four explicit protocols.
      expect(find([])).toHaveLength(1);
      for (const single of ['auxiliary-tower', 'drop-path', 'cutout']) expect(find([single])).toHaveLength(1);
      expect(find(['cutout', 'drop-path'])).toHaveLength(1);
      const cda = ['cutout', 'drop-path', 'auxiliary-tower'];
      const cdaProtocols = find(cda);
      expect(cdaProtocols.length).toBe(2); // CDA and CDA + 50 channels
      const wide = cdaProtocols.find((p) => p.channels !== knobs.channels)!;
      expect(wide.epochs).toBe(knobs.epochs);
      const aa = find([...cda, 'autoaugment']);
      expect(aa).toHaveLength(3); // + AutoAugment; + 1500 epochs; + 1500 epochs + 50 channels
      expect(aa.filter((p) => p.epochs !== knobs.epochs)).toHaveLength(2);
      expect(aa.filter((p) => p.epochs !== knobs.epochs && p.channels !== knobs.channels)).toHaveLength(1);
    },
  );
});
