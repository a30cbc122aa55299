import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { formatGenotype, GenotypeError } from '@naslab/space-darts';
import { describe, expect, it } from 'vitest';
import { PDARTS, resolvePdartsGenotype } from './genotypes.js';

// From plugins/spaces/pdarts/src/ up to the folder that holds the repository and shared/.
const PUBLISHED = fileURLToPath(new URL('../../../../../shared/data/methods/published_architectures.json', import.meta.url));

interface PublishedDarts {
  name: string;
  normal: Array<[string, number]>;
  normal_concat: number[];
  reduce: Array<[string, number]>;
  reduce_concat: number[];
}

/** `genotypes.PDARTS` exactly as PDARTS/genotypes.py writes it (list concat, line breaks). */
const GENOTYPES_PY = `PDARTS = Genotype(normal=[('skip_connect', 0), ('dil_conv_3x3', 1), ('skip_connect', 0),('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('sep_conv_3x3', 3), ('sep_conv_3x3',0), ('dil_conv_5x5', 4)], normal_concat=range(2, 6),
 reduce=[('avg_pool_3x3', 0), ('sep_conv_5x5', 1), ('sep_conv_3x3', 0), ('dil_conv_5x5', 2), ('max_pool_3x3', 0), ('dil_conv_3x3', 1), ('dil_conv_3x3', 1), ('dil_conv_5x5', 3)], reduce_concat=range(2, 6))`;

/** What P-DARTS' train_search.py logs (str of its Genotype namedtuple). */
const CANONICAL =
  "Genotype(normal=[('skip_connect', 0), ('dil_conv_3x3', 1), ('skip_connect', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('sep_conv_3x3', 3), ('sep_conv_3x3', 0), ('dil_conv_5x5', 4)], normal_concat=range(2, 6), reduce=[('avg_pool_3x3', 0), ('sep_conv_5x5', 1), ('sep_conv_3x3', 0), ('dil_conv_5x5', 2), ('max_pool_3x3', 0), ('dil_conv_3x3', 1), ('dil_conv_3x3', 1), ('dil_conv_5x5', 3)], reduce_concat=range(2, 6))";

describe('P-DARTS genotypes', () => {
  it('PDARTS is the published cell of the reference data', () => {
    const data = JSON.parse(readFileSync(PUBLISHED, 'utf8')) as { PDARTS: { architectures: PublishedDarts[] } };
    const [entry] = data.PDARTS.architectures;
    expect(entry!.name).toMatch(/genotypes\.PDARTS/);
    expect(PDARTS).toEqual({
      normal: entry!.normal,
      normalConcat: entry!.normal_concat,
      reduce: entry!.reduce,
      reduceConcat: entry!.reduce_concat,
    });
  });

  it('round-trips exactly: genotypes.py text → genotype → the text the code logs → the same genotype', () => {
    const g = resolvePdartsGenotype(GENOTYPES_PY);
    expect(g).toEqual(PDARTS);
    expect(formatGenotype(g)).toBe(CANONICAL);
    expect(resolvePdartsGenotype(CANONICAL)).toEqual(PDARTS);
    expect(resolvePdartsGenotype(' PDARTS ')).toEqual(PDARTS);
  });

  it('parse returns a copy of a named genotype and refuses malformed text naming the position', () => {
    resolvePdartsGenotype('PDARTS').normal[0] = ['none', 0];
    expect(PDARTS.normal[0]).toEqual(['skip_connect', 0]);
    const bad = CANONICAL.replace("('sep_conv_3x3', 3)", "('sep_conv_3x3', 5)");
    expect(() => resolvePdartsGenotype(bad)).toThrow(GenotypeError);
    expect(() => resolvePdartsGenotype(bad)).toThrow(/^1:\d+: normal cell, node 4 \(edge 6 of 8\): input 5 is out of range/);
    expect(() => resolvePdartsGenotype('PDARTS_V2')).toThrow(GenotypeError);
  });
});
