import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DARTS_V2, triplesToEdges, type Genotype } from './genotype.js';
import { countDartsParameters } from './network.js';

// plugins/spaces/darts/src → repository root's parent holds shared/
const reported = fileURLToPath(new URL('../../../../../shared/data/darts_nb301/darts_genotypes_reported.json', import.meta.url));

interface ReportedEntry {
  key: string;
  in_darts_space: boolean;
  genotype_source: { repo: string };
  genotype: { normal: [string, number, number][]; normal_concat: number[]; reduce: [string, number, number][]; reduce_concat: number[] };
  reported: { params_m: number | null };
}

const cifar = { channels: 36, cells: 20, classes: 10, inputShape: [32, 32, 3] as const };

describe('parameter counts match the published ones (auxiliary head excluded)', () => {
  it('DARTS V2 at C=36, L=20: 3,349,342 (the reference train.py logs "param size = 3.349342MB")', () => {
    expect(countDartsParameters(DARTS_V2, cifar)).toBe(3_349_342);
  });

  const entries = (JSON.parse(readFileSync(reported, 'utf8')) as { genotypes: ReportedEntry[] }).genotypes.filter((g) =>
    g.genotype_source.repo.toLowerCase().includes('sgas'),
  );
  it('the reference file holds the 20 SGAS cells', () => expect(entries).toHaveLength(20));
  for (const e of entries) {
    it(`${e.key}: within ±0.05 M of the published ${e.reported.params_m} M`, () => {
      const g: Genotype = {
        normal: triplesToEdges('normal', e.genotype.normal),
        normalConcat: e.genotype.normal_concat,
        reduce: triplesToEdges('reduce', e.genotype.reduce),
        reduceConcat: e.genotype.reduce_concat,
      };
      const m = countDartsParameters(g, cifar) / 1e6;
      expect(Math.abs(m - e.reported.params_m!)).toBeLessThanOrEqual(0.05);
    });
  }
});
