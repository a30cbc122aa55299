/**
 * P-DARTS genotypes (Chen, Xie, Wu & Tian, "Progressive Differentiable Architecture Search",
 * ICCV 2019). The space is the DARTS space, so the genotype type, its text form and its parser
 * are `@naslab/space-darts`'s; this module adds the published cell and the names `parse` knows.
 */
import { GenotypeError, parseGenotype, type Genotype } from '@naslab/space-darts';

/**
 * `genotypes.PDARTS` of antoyang/NAS-Benchmark `PDARTS/genotypes.py:77` (= chenxin061/pdarts
 * `genotypes.py:77`), the cell `train_cifar.py --arch PDARTS` trains; edge order as written there.
 */
export const PDARTS: Genotype = {
  normal: [
    ['skip_connect', 0], ['dil_conv_3x3', 1],
    ['skip_connect', 0], ['sep_conv_3x3', 1],
    ['sep_conv_3x3', 1], ['sep_conv_3x3', 3],
    ['sep_conv_3x3', 0], ['dil_conv_5x5', 4],
  ],
  normalConcat: [2, 3, 4, 5],
  reduce: [
    ['avg_pool_3x3', 0], ['sep_conv_5x5', 1],
    ['sep_conv_3x3', 0], ['dil_conv_5x5', 2],
    ['max_pool_3x3', 0], ['dil_conv_3x3', 1],
    ['dil_conv_3x3', 1], ['dil_conv_5x5', 3],
  ],
  reduceConcat: [2, 3, 4, 5],
};

/** Names `parse` accepts besides genotype text. */
export const PDARTS_GENOTYPES: Readonly<Record<string, Genotype>> = Object.freeze({ PDARTS });

/** A name from `PDARTS_GENOTYPES` or genotype text (`Genotype(normal=[…], …)`); throws `GenotypeError`. */
export function resolvePdartsGenotype(text: string): Genotype {
  const name = text.trim();
  const known = Object.hasOwn(PDARTS_GENOTYPES, name) ? PDARTS_GENOTYPES[name] : undefined;
  if (known) return structuredClone(known);
  return parseGenotype(text);
}

export { GenotypeError };
