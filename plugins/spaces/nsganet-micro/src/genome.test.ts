import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ParseError, Rng } from '@naslab/core';
import { describe, expect, it } from 'vitest';
import {
  decodeNsganetGenome,
  describeNsganetGenome,
  formatNsganetGenome,
  NSGANET,
  NSGANET_OPS,
  type NsganetGenomeError,
  nsganetGenomeKey,
  parseNsganetGenome,
  resolveNsganetGenome,
  validateNsganetGenome,
} from './genome.js';
import { sampleNsganetGenome } from './sampling.js';

const PUBLISHED = fileURLToPath(new URL('../../../../../shared/data/methods/published_architectures.json', import.meta.url));
const published = (
  JSON.parse(readFileSync(PUBLISHED, 'utf8')) as {
    NSGANet: { ops: string[]; architectures: Array<{ normal: unknown[]; normal_concat: number[]; reduce: unknown[]; reduce_concat: number[]; bit_string_derived: number[] }> };
  }
).NSGANet;

function errorOf(text: string): NsganetGenomeError {
  try {
    parseNsganetGenome(text);
  } catch (e) {
    return e as NsganetGenomeError;
  }
  throw new Error('no error');
}

describe('NSGA-Net genomes', () => {
  it('the op table and the published NSGANet genome decode to the reference genotype with loose-end concats', () => {
    expect([...NSGANET_OPS]).toEqual(published.ops);
    const ref = published.architectures[0]!;
    expect([...NSGANET.normal, ...NSGANET.reduce]).toEqual(ref.bit_string_derived);
    const g = decodeNsganetGenome(NSGANET);
    expect(g.normal).toEqual(ref.normal);
    expect(g.reduce).toEqual(ref.reduce);
    expect(g.normal_concat).toEqual(ref.normal_concat);
    expect(g.reduce_concat).toEqual(ref.reduce_concat);
  });

  it('parses the bit-string (40 or 32 integers) and the nested genome list; format round-trips exactly', () => {
    const text = formatNsganetGenome(NSGANET);
    expect(text).toBe('2 0 0 0 6 0 0 0 6 1 3 3 0 1 4 3 3 1 3 0 1 0 3 1 5 1 0 0 2 2 6 1 2 2 1 1 6 1 5 1');
    expect(parseNsganetGenome(text)).toEqual(NSGANET);
    const nested = `[${[NSGANET.normal, NSGANET.reduce].map((c) => `[${[0, 1, 2, 3, 4].map((b) => `[[${c[4 * b]}, ${c[4 * b + 1]}], [${c[4 * b + 2]}, ${c[4 * b + 3]}]]`).join(', ')}]`).join(', ')}]`;
    expect(parseNsganetGenome(nested)).toEqual(NSGANET);
    const rng = new Rng('nsganet-roundtrip');
    for (let i = 0; i < 200; i++) {
      const g = sampleNsganetGenome(rng, i % 2 ? 'uniform' : 'released-code');
      expect(parseNsganetGenome(formatNsganetGenome(g))).toEqual(g);
    }
    expect(parseNsganetGenome(formatNsganetGenome(sampleNsganetGenome(rng))).normal).toHaveLength(16);
    expect(resolveNsganetGenome(' NSGANet ')).toEqual(NSGANET);
  });

  it('malformed text: a ParseError naming line, column, cell, block and field', () => {
    const bad = errorOf('2 0 0 0 6 3 0 0 6 1 3 3 0 1 4 3 3 1 3 0 1 0 3 1 5 1 0 0 2 2 6 1 2 2 1 1 6 1 5 1');
    expect(ParseError.is(bad)).toBe(true);
    expect(bad.message).toMatch(/^1:11: normal cell, block 1, in1: input 3 is out of range: block 1 reads states 0–2/);
    expect(errorOf('2 0 0 0 6 0 0 0 6 1 3 3 0 1 4 3 3 1 3 0\n1 0 3 1 5 1 0 0 2 2 6 1 2 2 1 1 6 1 9 1').message).toMatch(
      /^2:37: reduce cell, block 4, op2: op 9 is not an NSGA-Net op/,
    );
    expect(errorOf('1 0 1').message).toMatch(/^1:6: expected 8 integers per block pair .* found 3/);
    expect(errorOf('1 0 1 x').message).toMatch(/^1:7: expected an integer, found 'x'/);
    expect(errorOf('[[1, 0, 1, 0, 1, 0, 1, 0]').message).toMatch(/unbalanced '\['/);
    expect(() => validateNsganetGenome({ normal: [0, 0, 0, 0], reduce: [0, 0, 0, 0, 0, 0, 0, 0] })).toThrow(/the cells have 1 and 2 blocks/);
  });

  it('key: swapping the units of a block keeps the key; description counts ops and loose ends', () => {
    const swapped = structuredClone(NSGANET);
    swapped.normal.splice(0, 4, 0, 0, 2, 0);
    expect(nsganetGenomeKey(swapped)).toBe(nsganetGenomeKey(NSGANET));
    expect(describeNsganetGenome(NSGANET)).toMatchObject({ blocks: 5, 'normal.loose_ends': 4, 'reduce.loose_ends': 4, 'normal.sep_conv_3x3': 3 });
  });
});
