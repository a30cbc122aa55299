import { chiSquareGoodnessOfFit } from '@naslab/analysis';
import { ParseError, Rng } from '@naslab/core';
import { describe, expect, it } from 'vitest';
import {
  allowedChoices,
  BACKBONE_LAYERS,
  createMbconvSpace,
  decodeBlockString,
  formatArch,
  LAYER_CHOICES,
  MBCONV_SPACE_SIZE,
  mbconvSpaceOptions,
  parseArch,
  roundFilters,
  SEARCHABLE_LAYERS,
  type LayerChoice,
} from './index.js';

const ALL_K5E6: LayerChoice[] = SEARCHABLE_LAYERS.map(() => 'k5e6');

describe('backbone', () => {
  it('unrolls the reference block strings into 22 layers, 20 searchable, 15 skippable', () => {
    expect(BACKBONE_LAYERS).toHaveLength(22);
    expect(SEARCHABLE_LAYERS).toHaveLength(20);
    expect(SEARCHABLE_LAYERS.filter((l) => l.skippable)).toHaveLength(15);
    expect(BACKBONE_LAYERS[0]).toMatchObject({ kernel: 3, expandRatio: 1, inputFilters: 32, outputFilters: 16, idSkip: false, searchable: -1 });
    expect(BACKBONE_LAYERS[21]).toMatchObject({ kernel: 3, expandRatio: 6, inputFilters: 192, outputFilters: 320, idSkip: false, searchable: -1 });
    // stage 4 (i80 → o96) keeps the resolution but changes width: its first layer is not skippable
    expect(SEARCHABLE_LAYERS[12]).toMatchObject({ stride: 1, inputFilters: 80, outputFilters: 96, skippable: false });
    expect(SEARCHABLE_LAYERS[13]).toMatchObject({ stride: 1, inputFilters: 96, outputFilters: 96, skippable: true });
    expect(SEARCHABLE_LAYERS.filter((l) => l.stride === 2).map((l) => l.searchable)).toEqual([0, 4, 8, 16]);
    expect(MBCONV_SPACE_SIZE).toBe(4 ** 5 * 5 ** 15);
  });

  it('decodes block strings as the reference decoder', () => {
    expect(decodeBlockString('r4_k5_s22_e6_i16_o24')).toEqual({ kernel: 5, repeats: 4, inputFilters: 16, outputFilters: 24, expandRatio: 6, idSkip: true, stride: 2 });
    expect(() => decodeBlockString('r4_k5_s2_e6_i16_o24')).toThrow(/pair of digits/);
  });

  it('rounds filters like round_filters (divisor 8, never 10 % below)', () => {
    expect(roundFilters(32, 1)).toBe(32);
    expect(roundFilters(32, 0.5)).toBe(16);
    expect(roundFilters(24, 0.35)).toBe(8);
    expect(roundFilters(320, 0.35)).toBe(112);
    expect(roundFilters(16, 0.25)).toBe(8);
    expect(roundFilters(96, 1.4)).toBe(136);
  });
});

describe('text form', () => {
  it('round-trips and accepts the reference names', () => {
    const rng = new Rng('text');
    const space = createMbconvSpace();
    for (let i = 0; i < 50; i++) {
      const a = space.sample(rng);
      expect(parseArch(formatArch(a))).toEqual(a);
    }
    const text = formatArch(ALL_K5E6);
    expect(text.split(' | ')).toHaveLength(5);
    expect(parseArch(text.replaceAll('k5e6', '5x5-6').replaceAll(' | ', ', '))).toEqual(ALL_K5E6);
  });

  it('reports bad tokens at their line and column', () => {
    const bad = ['k5e6 k5e6 k5e6 k5e6 |', 'k5e6 k7e6 k5e6 k5e6', 'k5e6 k5e6 k5e6 k5e6', 'k5e6 k5e6 k5e6 k5e6', 'k5e6 k5e6 k5e6 k5e6'].join('\n');
    const err = (() => {
      try {
        parseArch(bad);
      } catch (e) {
        return e;
      }
    })() as ParseError;
    expect(ParseError.is(err)).toBe(true);
    expect(err).toMatchObject({ line: 2, column: 6, where: 'layer 5 (stage 2, position 1)' });
    expect(() => parseArch(['skip', ...ALL_K5E6.slice(1)].join(' '))).toThrow(/first layer of a stage .* cannot be skipped/);
    expect(() => parseArch(ALL_K5E6.slice(1).join(' '))).toThrow(/only 19 layer choices/);
    expect(() => parseArch([...ALL_K5E6, 'k3e3'].join(' '))).toThrow(/too many/);
    expect(() => parseArch('k5e6 k5e6 k5e6 | k5e6 ' + ALL_K5E6.slice(4).join(' '))).toThrow(/separates the 5 stages/);
  });
});

describe('sampler', () => {
  it('is uniform per layer over the choices the layer allows (chi-square)', () => {
    const rng = new Rng('uniform');
    const space = createMbconvSpace();
    const n = 4000;
    const archs = Array.from({ length: n }, () => space.sample(rng));
    for (const i of [0, 1, 12, 13, 19]) {
      const allowed = allowedChoices(i);
      const counts = allowed.map((c) => archs.filter((a) => a[i] === c).length);
      expect(chiSquareGoodnessOfFit(counts, allowed.map(() => 1)).pValue).toBeGreaterThan(1e-3);
    }
    // skip never drawn where not allowed; every choice drawn where allowed
    expect(archs.every((a) => [0, 4, 8, 12, 16].every((i) => a[i] !== 'skip'))).toBe(true);
    expect(new Set(archs.map((a) => a[1])).size).toBe(LAYER_CHOICES.length);
  });

  it('is deterministic per seed', () => {
    const space = createMbconvSpace();
    const draw = (seed: string) => formatArch(space.sample(new Rng(seed)));
    expect(draw('a')).toBe(draw('a'));
    expect(draw('a')).not.toBe(draw('b'));
  });
});

describe('options', () => {
  it('validates the latency table at the option, with its own error', () => {
    const r = mbconvSpaceOptions.safeParse({ latencyTable: 'no/such/table.json' });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toMatch(/cannot read the latency table/);
    expect(() => mbconvSpaceOptions.parse({ widthMultiplier: 0 })).toThrow();
  });
});
