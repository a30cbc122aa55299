import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  architectureKey,
  DARTS_V1,
  DARTS_V2,
  describeGenotype,
  formatGenotype,
  genotypeToTriples,
  GenotypeError,
  parseGenotype,
  triplesToEdges,
  validateGenotype,
  type Genotype,
} from './genotype.js';

// From plugins/spaces/darts/src/ up to the folder that holds the repository and shared/.
const REPORTED = fileURLToPath(new URL('../../../../../shared/data/darts_nb301/darts_genotypes_reported.json', import.meta.url));

interface ReportedEntry {
  key: string;
  in_darts_space: boolean;
  genotype: {
    normal: Array<[string, number, number]>;
    normal_concat: number[];
    reduce: Array<[string, number, number]>;
    reduce_concat: number[];
  };
}

function reported(): ReportedEntry[] {
  return (JSON.parse(readFileSync(REPORTED, 'utf8')) as { genotypes: ReportedEntry[] }).genotypes;
}

/** Python-style text as the reference code writes it, from the data file's triples. */
function pythonText(e: ReportedEntry, concat: 'list' | 'range'): string {
  const edges = (t: Array<[string, number, number]>) => `[${t.map(([op, from]) => `('${op}', ${from})`).join(', ')}]`;
  const c = (xs: number[]) => (concat === 'range' ? `range(${xs[0]}, ${xs[xs.length - 1]! + 1})` : `[${xs.join(', ')}]`);
  return `Genotype(normal=${edges(e.genotype.normal)}, normal_concat=${c(e.genotype.normal_concat)}, reduce=${edges(e.genotype.reduce)}, reduce_concat=${c(e.genotype.reduce_concat)})`;
}

function errorOf(text: string): GenotypeError {
  try {
    parseGenotype(text);
  } catch (err) {
    expect(err).toBeInstanceOf(GenotypeError);
    return err as GenotypeError;
  }
  throw new Error(`parsed without error: ${text}`);
}

const DARTS_V2_TEXT =
  "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=range(2, 6), reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=range(2, 6))";

describe('published genotypes', () => {
  const entries = reported().filter((e) => e.in_darts_space);

  it('the data file holds the 31 DARTS-space cells', () => {
    expect(entries.length).toBe(31);
  });

  it.each(entries.map((e) => [e.key, e] as const))('%s round-trips triples → text → genotype → text', (_key, e) => {
    for (const concat of ['list', 'range'] as const) {
      const text = pythonText(e, concat);
      const g = parseGenotype(text);
      expect(genotypeToTriples(g.normal)).toEqual(e.genotype.normal);
      expect(genotypeToTriples(g.reduce)).toEqual(e.genotype.reduce);
      expect(g.normalConcat).toEqual(e.genotype.normal_concat);
      expect(g.reduceConcat).toEqual(e.genotype.reduce_concat);
      // canonical text is the reference code's print (range form); it parses back to the same.
      expect(formatGenotype(g)).toBe(pythonText(e, 'range'));
      expect(parseGenotype(formatGenotype(g))).toEqual(g);
    }
  });

  it('triplesToEdges inverts genotypeToTriples and checks node order', () => {
    for (const e of entries) expect(triplesToEdges('normal', e.genotype.normal)).toEqual(parseGenotype(pythonText(e, 'range')).normal);
    expect(() => triplesToEdges('normal', [['sep_conv_3x3', 0, 3]])).toThrow(/feeds node 3, expected node 2/);
  });

  it('the hand-written DARTS_V1 and DARTS_V2 equal the reference cells in the data file', () => {
    const byKey = new Map(entries.map((e) => [e.key, e]));
    expect(formatGenotype(DARTS_V1)).toBe(pythonText(byKey.get('DARTS-V1')!, 'range'));
    expect(formatGenotype(DARTS_V2)).toBe(pythonText(byKey.get('DARTS-V2')!, 'range'));
    expect(formatGenotype(DARTS_V2)).toBe(DARTS_V2_TEXT);
  });

  it('cells outside the DARTS space (5-node, extra ops, variable in-degree) are refused', () => {
    const outside = reported().filter((e) => !e.in_darts_space);
    expect(outside.length).toBe(13);
    for (const e of outside) expect(() => parseGenotype(pythonText(e, 'list'))).toThrow(GenotypeError);
  });
});

describe('parseGenotype variants', () => {
  it('reads the nested per-node form (pt.darts)', () => {
    const nested =
      "Genotype(normal=[[('sep_conv_3x3', 0), ('sep_conv_3x3', 1)], [('sep_conv_3x3', 0), ('sep_conv_3x3', 1)], [('sep_conv_3x3', 1), ('skip_connect', 0)], [('skip_connect', 0), ('dil_conv_3x3', 2)]], normal_concat=range(2, 6), reduce=[[('max_pool_3x3', 0), ('max_pool_3x3', 1)], [('skip_connect', 2), ('max_pool_3x3', 1)], [('max_pool_3x3', 0), ('skip_connect', 2)], [('skip_connect', 2), ('max_pool_3x3', 1)]], reduce_concat=range(2, 6))";
    expect(parseGenotype(nested)).toEqual(DARTS_V2);
  });

  it('reads multi-line text with double quotes, trailing commas, tuples and positional fields', () => {
    const text = `DARTS_V2 = Genotype(
      normal=[("sep_conv_3x3", 0), ("sep_conv_3x3", 1), ("sep_conv_3x3", 0), ("sep_conv_3x3", 1),
              ("sep_conv_3x3", 1), ("skip_connect", 0), ("skip_connect", 0), ("dil_conv_3x3", 2),],
      normal_concat=(2, 3, 4, 5),
      reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1),
              ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)],
      reduce_concat=[2, 3, 4, 5],
    )`;
    expect(parseGenotype(text)).toEqual(DARTS_V2);
    const positional = DARTS_V2_TEXT.replace(/(normal|reduce)(_concat)?=/g, '');
    expect(parseGenotype(positional)).toEqual(DARTS_V2);
  });

  it('reads the JSON object form', () => {
    const json = JSON.stringify({
      normal: DARTS_V1.normal,
      normal_concat: [2, 3, 4, 5],
      reduce: DARTS_V1.reduce,
      reduce_concat: [2, 3, 4, 5],
    });
    expect(parseGenotype(json)).toEqual(DARTS_V1);
  });

  it('formats a non-contiguous concat as a list and parses it back', () => {
    const g: Genotype = { ...structuredClone(DARTS_V2), reduceConcat: [2, 4, 5] };
    expect(formatGenotype(g)).toContain('reduce_concat=[2, 4, 5]');
    expect(parseGenotype(formatGenotype(g))).toEqual(g);
  });
});

describe('malformed genotypes name the position', () => {
  it('unknown op: offset, line:column, cell, node and edge', () => {
    const text = DARTS_V2_TEXT.replace("('skip_connect', 0), ('dil_conv_3x3', 2)", "('skip_connect', 0), ('conv_7x1_1x7', 2)");
    const err = errorOf(text);
    const offset = text.indexOf("'conv_7x1_1x7'");
    expect(err.position).toMatchObject({ offset, line: 1, column: offset + 1, cell: 'normal', node: 5, edge: 7 });
    expect(err.message).toBe(
      `1:${offset + 1}: normal cell, node 5 (edge 8 of 8): unknown op "conv_7x1_1x7"; the DARTS ops are none, max_pool_3x3, avg_pool_3x3, skip_connect, sep_conv_3x3, sep_conv_5x5, dil_conv_3x3, dil_conv_5x5`,
    );
  });

  it('input index out of range', () => {
    // third reduce edge feeds node 3, which may read states 0–2 only
    const text = DARTS_V2_TEXT.replace("reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2)", "reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 3)");
    const err = errorOf(text);
    expect(err.position).toMatchObject({ cell: 'reduce', node: 3, edge: 2 });
    expect(err.message).toMatch(/reduce cell, node 3 \(edge 3 of 8\): input 3 is out of range: node 3 takes inputs 0–2/);
    const col = text.indexOf("('skip_connect', 3)") + "('skip_connect', ".length + 1;
    expect(err.position.column).toBe(col);
  });

  it('wrong number of nodes (flat and nested)', () => {
    const flat = DARTS_V2_TEXT.replace(", ('skip_connect', 0), ('dil_conv_3x3', 2)]", ']');
    expect(errorOf(flat).message).toMatch(/^1:17: normal cell: expected 8 edges \(4 nodes × 2\), found 6 \(3 nodes; the DARTS cell has 4\)/);
    const nested = "Genotype(normal=[[('sep_conv_3x3', 0), ('sep_conv_3x3', 1)]], normal_concat=range(2, 6), reduce=[], reduce_concat=range(2, 6))";
    expect(errorOf(nested).message).toMatch(/normal cell: expected 4 nodes, found 1/);
    const badNode = "Genotype(normal=[[('sep_conv_3x3', 0), ('sep_conv_3x3', 1)], [('sep_conv_3x3', 0)], [], []], normal_concat=range(2, 6), reduce=[], reduce_concat=range(2, 6))";
    expect(errorOf(badNode).message).toMatch(/normal cell, node 3: expected 2 edges, found 1/);
  });

  it('syntax errors give line and column', () => {
    const text = "Genotype(\n  normal=[('sep_conv_3x3', 0) ('sep_conv_3x3', 1)],\n)";
    const err = errorOf(text);
    expect(err.position).toMatchObject({ line: 2, column: 31 });
    expect(err.message).toMatch(/^2:31: expected ',' or '\]', found '\('/);
    expect(errorOf("Genotype(normal=[('sep_conv_3x3, 0)])").message).toMatch(/^1:19: unterminated string/);
    expect(errorOf('Genotype(normal=[(sep_conv_3x3, 0)])').message).toMatch(/^1:19: unexpected name 'sep_conv_3x3'/);
    expect(errorOf(DARTS_V2_TEXT + ')').message).toMatch(/unexpected '\)' after the genotype/);
    expect(errorOf('').message).toMatch(/^1:1: expected 'Genotype\(', found end of text/);
  });

  it('missing, unknown and repeated fields; bad concat', () => {
    expect(errorOf(DARTS_V2_TEXT.replace(', reduce_concat=range(2, 6)', '')).message).toMatch(/missing field 'reduce_concat'/);
    expect(errorOf(DARTS_V2_TEXT.replace('reduce_concat', 'reduction_concat')).message).toMatch(/unknown field 'reduction_concat'/);
    expect(errorOf(DARTS_V2_TEXT.replace('reduce_concat=range(2, 6)', 'reduce_concat=range(1, 6)')).message).toMatch(
      /reduce cell: reduce_concat holds 1; the intermediate nodes are 2–5/,
    );
    expect(errorOf(DARTS_V2_TEXT.replace('normal_concat=range(2, 6)', 'normal_concat=[3, 2]')).message).toMatch(/distinct nodes in increasing order/);
    expect(errorOf(DARTS_V2_TEXT.replace('normal_concat=range(2, 6)', 'normal_concat=range(2, 6), normal=[]')).message).toMatch(
      /field 'normal' given twice/,
    );
  });

  it('validateGenotype checks objects built in code', () => {
    const g = structuredClone(DARTS_V1);
    g.reduce[7] = ['sep_conv_3x3', 5];
    expect(() => validateGenotype(g)).toThrow('reduce cell, node 5 (edge 8 of 8): input 5 is out of range: node 5 takes inputs 0–4');
    expect(() => formatGenotype({ ...DARTS_V1, normal: DARTS_V1.normal.slice(1) })).toThrow(/normal cell: expected 8 edges/);
  });
});

describe('architecture identity and description', () => {
  it('architectureKey ignores the order of a node’s two edges; format keeps it', () => {
    const swapped = structuredClone(DARTS_V1);
    [swapped.normal[0], swapped.normal[1]] = [swapped.normal[1]!, swapped.normal[0]!];
    expect(formatGenotype(swapped)).not.toBe(formatGenotype(DARTS_V1));
    expect(architectureKey(swapped)).toBe(architectureKey(DARTS_V1));
    expect(architectureKey(DARTS_V1)).not.toBe(architectureKey(DARTS_V2));
  });

  it('describeGenotype counts ops and cell depth', () => {
    const d = describeGenotype(DARTS_V2);
    expect(d['normal.sep_conv_3x3']).toBe(5);
    expect(d['normal.skip_connect']).toBe(2);
    expect(d['normal.dil_conv_3x3']).toBe(1);
    expect(d['normal.parameterised']).toBe(6);
    expect(d['reduce.parameterised']).toBe(0);
    // normal: node 5 ← dil_conv(node 2) ← sep_conv(input): depth 2
    expect(d['normal.depth']).toBe(2);
    // reduce: node 3 ← skip(node 2) ← pool(input); nodes 4, 5 likewise: depth 2
    expect(d['reduce.depth']).toBe(2);
  });
});
