import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Rng } from '@naslab/core';
import { describe, expect, it } from 'vitest';
import {
  cnasArchitectureKey,
  CnasGenotypeError,
  DARTS_MORE_V4,
  describeCnasGenotype,
  formatCnasGenotype,
  parseCnasGenotype,
  resolveCnasGenotype,
  validateCnasGenotype,
  type CnasGenotype,
} from './genotype.js';
import { sampleCnasGenotype } from './sampling.js';

const PUBLISHED = fileURLToPath(new URL('../../../../../shared/data/methods/published_architectures.json', import.meta.url));

/** `CNAS/darts/geno_types.py:25-31` verbatim. */
const GENO_TYPES_PY = `DARTS_MORE_V4 = Genotype(
    normal=[('sep_conv_3x3', 1), ('shuffle_conv_3x3', 0), ('skip_connect', 0), ('cweight_com', 1), ('cweight_com', 3),
            ('cweight_com', 1), ('cweight_com', 4), ('cweight_com', 3), ('cweight_com', 3), ('cweight_com', 4),
            ('cweight_com', 4), ('cweight_com', 3)], normal_concat=range(2, 8),
    reduce=[('max_pool_3x3', 1), ('cweight_com', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('skip_connect', 2),
            ('max_pool_3x3', 1), ('skip_connect', 3), ('skip_connect', 4), ('skip_connect', 4), ('skip_connect', 3),
            ('skip_connect', 4), ('skip_connect', 3)], reduce_concat=range(2, 8))`;

/** `str(genotype)` as `CNAS/run/train_search.py` writes it to genotype.txt. */
const V4_TEXT =
  "Genotype(normal=[('sep_conv_3x3', 1), ('shuffle_conv_3x3', 0), ('skip_connect', 0), ('cweight_com', 1), ('cweight_com', 3), ('cweight_com', 1), ('cweight_com', 4), ('cweight_com', 3), ('cweight_com', 3), ('cweight_com', 4), ('cweight_com', 4), ('cweight_com', 3)], normal_concat=range(2, 8), reduce=[('max_pool_3x3', 1), ('cweight_com', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1), ('skip_connect', 3), ('skip_connect', 4), ('skip_connect', 4), ('skip_connect', 3), ('skip_connect', 4), ('skip_connect', 3)], reduce_concat=range(2, 8))";

function errorOf(text: string): CnasGenotypeError {
  try {
    parseCnasGenotype(text);
  } catch (err) {
    expect(err).toBeInstanceOf(CnasGenotypeError);
    return err as CnasGenotypeError;
  }
  throw new Error(`parsed without error: ${text}`);
}

describe('CNAS genotypes', () => {
  it('DARTS_MORE_V4 is the 6-node cell of the reference data', () => {
    const data = JSON.parse(readFileSync(PUBLISHED, 'utf8')) as {
      CNAS: { architectures: Array<{ normal: CnasGenotype['normal']; normal_concat: number[]; reduce: CnasGenotype['reduce']; reduce_concat: number[] }> };
    };
    const [e] = data.CNAS.architectures;
    expect(DARTS_MORE_V4).toEqual({ normal: e!.normal, normalConcat: e!.normal_concat, reduce: e!.reduce, reduceConcat: e!.reduce_concat });
  });

  it('round-trips exactly: geno_types.py text → genotype → the text the search writes → the same genotype', () => {
    const g = parseCnasGenotype(GENO_TYPES_PY);
    expect(g).toEqual(DARTS_MORE_V4);
    expect(formatCnasGenotype(g)).toBe(V4_TEXT);
    expect(parseCnasGenotype(V4_TEXT)).toEqual(g);
    expect(resolveCnasGenotype('DARTS_MORE_V4')).toEqual(g);
    // list concat, positional fields and double quotes read too; printing is canonical
    const variant = V4_TEXT.replace('Genotype(normal=', 'Genotype(').replace(/'/g, '"').replace(/normal_concat=range\(2, 8\)/, '[2, 3, 4, 5, 6, 7]');
    expect(formatCnasGenotype(parseCnasGenotype(variant))).toBe(V4_TEXT);
    const rng = new Rng('cnas-roundtrip');
    for (let i = 0; i < 200; i++) {
      const s = sampleCnasGenotype(rng, i % 2 ? 'released-code' : 'uniform-8');
      expect(parseCnasGenotype(formatCnasGenotype(s))).toEqual(s);
    }
  });

  it('refuses what is not a CNAS genotype, naming line:column, cell, node and edge', () => {
    const badOp = V4_TEXT.replace("('cweight_com', 4), ('cweight_com', 3)]", "('sep_conv_5x5', 4), ('cweight_com', 3)]");
    expect(errorOf(badOp).message).toBe(
      `1:${badOp.indexOf("'sep_conv_5x5'") + 1}: normal cell, node 7 (edge 11 of 12): unknown op "sep_conv_5x5"; the CNAS ops are none, skip_connect, cweight_com, avg_pool_3x3, max_pool_3x3, sep_conv_3x3, dil_conv_3x3, shuffle_conv_3x3`,
    );
    expect(errorOf(V4_TEXT.replace("('skip_connect', 2), ('max_pool_3x3', 1)", "('skip_connect', 5), ('max_pool_3x3', 1)")).message).toMatch(
      /^1:\d+: reduce cell, node 4 \(edge 5 of 12\): input 5 is out of range: node 4 takes inputs 0–3$/,
    );
    // DARTS_MORE_V1 of geno_types.py has 3 nodes
    const v1 = "Genotype(normal=[('cweight_com', 1), ('sep_conv_3x3', 0), ('cweight_com', 0), ('cweight_com', 1), ('cweight_com', 0), ('cweight_com', 1)], normal_concat=range(2, 5), reduce=[('cweight_com', 0), ('shuffle_conv_3x3', 1), ('shuffle_conv_3x3', 2), ('max_pool_3x3', 0), ('shuffle_conv_3x3', 3), ('shuffle_conv_3x3', 2)], reduce_concat=range(2, 5))";
    expect(errorOf(v1).message).toBe('1:17: normal cell: expected 12 edges (6 nodes × 2), found 6 (3 nodes; the CNAS cell has 6)');
    expect(errorOf(V4_TEXT.replace('reduce_concat=range(2, 8)', 'reduce_concat=range(2, 9)')).message).toMatch(/reduce_concat holds 8; the intermediate nodes are 2–7/);
    expect(errorOf(V4_TEXT.replace(", reduce_concat=range(2, 8))", ')')).message).toMatch(/missing field 'reduce_concat'/);
    expect(errorOf(`Genotype(normal=[('sep_conv_3x3', 1)\n  ('skip_connect', 0)])`).message).toBe("2:3: expected ',' or ']', found '('");
    expect(errorOf("Genotype(normal=[('sep_conv_3x3, 1)])").message).toBe('1:19: unterminated string');
    expect(() => resolveCnasGenotype('DARTS_MORE_V5')).toThrow(CnasGenotypeError);
    expect(() => validateCnasGenotype({ ...DARTS_MORE_V4, normal: DARTS_MORE_V4.normal.slice(0, 10) })).toThrow(/found 10 \(5 nodes/);
  });

  it('the key ignores the order of a node’s two edges; describe counts ops', () => {
    const swapped = structuredClone(DARTS_MORE_V4);
    swapped.normal = [swapped.normal[1]!, swapped.normal[0]!, ...swapped.normal.slice(2)];
    expect(formatCnasGenotype(swapped)).not.toBe(formatCnasGenotype(DARTS_MORE_V4));
    expect(cnasArchitectureKey(swapped)).toBe(cnasArchitectureKey(DARTS_MORE_V4));
    const d = describeCnasGenotype(DARTS_MORE_V4);
    expect(d['normal.cweight_com']).toBe(9);
    expect(d['reduce.skip_connect']).toBe(8);
    expect(d['normal.parameterised']).toBe(11);
  });
});
