import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ParseError, Rng } from '@naslab/core';
import { describe, expect, it } from 'vitest';
import {
  describeEnasArc,
  ENAS_FINAL_ARC,
  ENAS_OPS,
  ENAS_PAPER_FIGURE_ARC,
  type EnasArcError,
  enasArcKey,
  formatEnasArc,
  looseEnds,
  parseEnasArc,
  resolveEnasArc,
  validateEnasArc,
} from './arc.js';
import { sampleEnasArc } from './sampling.js';

const PUBLISHED = fileURLToPath(new URL('../../../../../shared/data/methods/published_architectures.json', import.meta.url));
interface Published {
  ENAS: {
    ops: Record<string, string>;
    architectures: Array<{ name: string; normal: unknown[]; reduce: unknown[]; loose_end_concat?: { normal: number[]; reduce: number[] }; normal_concat?: number[]; reduce_concat?: number[] }>;
  };
}
const published = (JSON.parse(readFileSync(PUBLISHED, 'utf8')) as Published).ENAS;

function errorOf(text: string): EnasArcError {
  try {
    parseEnasArc(text);
  } catch (e) {
    return e as EnasArcError;
  }
  throw new Error('no error');
}

describe('ENAS arcs', () => {
  it('op table, the repo final arc and its loose ends equal the reference data', () => {
    expect(Object.values(published.ops).map((o) => (o === 'identity' ? 'identity' : o))).toEqual([...ENAS_OPS]);
    const repo = published.architectures[0]!;
    expect(ENAS_FINAL_ARC).toEqual({ normal: repo.normal, reduce: repo.reduce });
    expect(looseEnds(ENAS_FINAL_ARC.normal)).toEqual(repo.loose_end_concat!.normal);
    expect(looseEnds(ENAS_FINAL_ARC.reduce)).toEqual(repo.loose_end_concat!.reduce);
  });

  it('the paper-figure cell (NSGA-Net transcription) reads back to the reference genotype and concat', () => {
    const fig = published.architectures[1]!;
    const asPairs = (c: number[]) =>
      Array.from({ length: 10 }, (_, k) => [ENAS_OPS[c[2 * k + 1]!] === 'identity' ? 'skip_connect' : ENAS_OPS[c[2 * k + 1]!], c[2 * k]]);
    expect(asPairs(ENAS_PAPER_FIGURE_ARC.normal)).toEqual(fig.normal);
    expect(asPairs(ENAS_PAPER_FIGURE_ARC.reduce)).toEqual(fig.reduce);
    expect(looseEnds(ENAS_PAPER_FIGURE_ARC.normal)).toEqual(fig.normal_concat);
    expect(looseEnds(ENAS_PAPER_FIGURE_ARC.reduce)).toEqual(fig.reduce_concat);
  });

  it('parses the script form (two lines), commas and Python lists; format round-trips exactly', () => {
    const script = '0 2 0 0  0 4 0 1  0 4 1 1  1 0 0 1  0 2 1 1\n1 0 1 0  0 3 0 2  1 1 3 1  1 0 0 4  0 3 1 1';
    expect(parseEnasArc(script)).toEqual(ENAS_FINAL_ARC);
    const text = formatEnasArc(ENAS_FINAL_ARC);
    expect(text).toBe('0 2 0 0 0 4 0 1 0 4 1 1 1 0 0 1 0 2 1 1 1 0 1 0 0 3 0 2 1 1 3 1 1 0 0 4 0 3 1 1');
    expect(formatEnasArc(parseEnasArc(text))).toBe(text);
    expect(parseEnasArc(`[[${ENAS_FINAL_ARC.normal.join(', ')}], [${ENAS_FINAL_ARC.reduce.join(', ')}]]`)).toEqual(ENAS_FINAL_ARC);
    expect(parseEnasArc(`[${text.split(' ').join(',')}]`)).toEqual(ENAS_FINAL_ARC);
    const rng = new Rng('enas-roundtrip');
    for (let i = 0; i < 200; i++) {
      const a = sampleEnasArc(rng, i % 2 ? 'uniform' : 'released-code');
      expect(parseEnasArc(formatEnasArc(a))).toEqual(a);
    }
    expect(resolveEnasArc(' ENAS ')).toEqual(ENAS_FINAL_ARC);
    expect(resolveEnasArc('ENAS-paper-figure')).toEqual(ENAS_PAPER_FIGURE_ARC);
  });

  it('malformed text: a ParseError naming line, column, cell, node and field', () => {
    const text = formatEnasArc(ENAS_FINAL_ARC);
    const badInput = errorOf(text.replace(/^0 2 0 0 0 4/, '0 2 0 0 3 4'));
    expect(ParseError.is(badInput)).toBe(true);
    expect(badInput.message).toMatch(/^1:9: normal cell, node 3, x_id: input 3 is out of range: node 3 reads states 0–2/);
    const badOp = errorOf(`${ENAS_FINAL_ARC.normal.join(' ')}\n${ENAS_FINAL_ARC.reduce.slice(0, 19).join(' ')} 5`);
    expect(badOp.message).toMatch(/^2:39: reduce cell, node 6, y_op: op 5 is not an ENAS op/);
    expect(errorOf('0 1 0').message).toMatch(/^1:6: expected 40 integers .* found 3/);
    expect(errorOf(`${text} 0`).message).toMatch(/^1:81: expected 40 integers .* found 41/);
    expect(errorOf('0 1 x 2').message).toMatch(/^1:5: expected an integer, found 'x'/);
    expect(errorOf(`[[${text}]]`).message).toMatch(/expected 40 integers, optionally as/);
    expect(() => validateEnasArc({ normal: [1], reduce: [] })).toThrow(/normal cell: expected 20 integers/);
  });

  it('key: swapping a node’s branches gives the same key; description counts ops and loose ends', () => {
    const swapped = structuredClone(ENAS_FINAL_ARC);
    swapped.normal.splice(0, 4, 0, 0, 0, 2);
    expect(enasArcKey(swapped)).toBe(enasArcKey(ENAS_FINAL_ARC));
    expect(describeEnasArc(ENAS_FINAL_ARC)).toMatchObject({ 'normal.loose_ends': 5, 'reduce.loose_ends': 4, 'normal.sep_conv_5x5': 4, 'reduce.max_pool_3x3': 2 });
  });
});
