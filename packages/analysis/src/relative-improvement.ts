import { bootstrapTwoSampleCi, DEFAULT_BOOTSTRAP_RESAMPLES, DEFAULT_CONFIDENCE } from './bootstrap.js';
import { DEFAULT_DDOF, mean, std } from './descriptive.js';
import { DEFAULT_PERMUTATIONS, permutationTest } from './permutation-test.js';
import { type RunRecord, uniqueInOrder } from './records.js';
import { deriveSeed } from './rng.js';
import { welchTTest } from './welch.js';

/** RI = 100 × (Acc_m − Acc_r) / Acc_r, in percent of the random-sampling accuracy. */
export function relativeImprovement(meanMethod: number, meanRandom: number): number {
  return (100 * (meanMethod - meanRandom)) / meanRandom;
}

export interface RiOptions {
  /** ddof for the reported standard deviations (default 1, sample std). */
  ddof?: number;
  /** Bootstrap resamples for the RI CI (default 10,000, percentile method). */
  resamples?: number;
  /** Confidence level of the CI (default 0.95). */
  confidence?: number;
  /** Permutations for the permutation test (default 10,000). */
  permutations?: number;
  /** Base seed; each dataset × method row derives its own seed from it (default 0). */
  seed?: number;
}

export interface RiRow {
  dataset: string;
  method: string;
  nRandom: number;
  nMethod: number;
  meanRandom: number | null;
  meanMethod: number | null;
  stdRandom: number | null;
  stdMethod: number | null;
  /** Relative improvement in %, null when either group has no runs. */
  ri: number | null;
  ciLow: number | null;
  ciHigh: number | null;
  /** Welch t statistic (searched − random). */
  tWelch: number | null;
  dfWelch: number | null;
  /** One-sided Welch p, H1: the method beats random sampling. */
  pWelch: number | null;
  pWelchTwoSided: number | null;
  /** One-sided permutation p, H1: the method beats random sampling. */
  pPermutation: number | null;
  pPermutationTwoSided: number | null;
}

export interface RiSettings {
  ddof: number;
  resamples: number;
  confidence: number;
  permutations: number;
  seed: number;
  ciMethod: 'percentile bootstrap (groups resampled independently)';
}

export interface RiAnalysis {
  rows: RiRow[];
  warnings: string[];
  settings: RiSettings;
}

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** RI row for one dataset × method from its random and searched accuracies. */
export function compareWithRandom(
  dataset: string,
  method: string,
  random: readonly number[],
  searched: readonly number[],
  options: RiOptions = {},
): RiRow {
  const ddof = options.ddof ?? DEFAULT_DDOF;
  const seed = deriveSeed(options.seed ?? 0, `${dataset}\u0000${method}`);
  const both = random.length > 0 && searched.length > 0;
  const mR = mean(random);
  const mM = mean(searched);
  const ci = both
    ? bootstrapTwoSampleCi(searched, random, relativeImprovement, {
        resamples: options.resamples,
        confidence: options.confidence,
        seed,
      })
    : null;
  const welch = welchTTest(searched, random);
  const perm = both ? permutationTest(searched, random, { permutations: options.permutations, seed: seed ^ 0x5bd1e995 }) : null;
  return {
    dataset,
    method,
    nRandom: random.length,
    nMethod: searched.length,
    meanRandom: finiteOrNull(mR),
    meanMethod: finiteOrNull(mM),
    stdRandom: finiteOrNull(std(random, ddof)),
    stdMethod: finiteOrNull(std(searched, ddof)),
    ri: both ? finiteOrNull(relativeImprovement(mM, mR)) : null,
    ciLow: ci ? finiteOrNull(ci.low) : null,
    ciHigh: ci ? finiteOrNull(ci.high) : null,
    tWelch: finiteOrNull(welch.t),
    dfWelch: finiteOrNull(welch.df),
    pWelch: finiteOrNull(welch.pGreater),
    pWelchTwoSided: finiteOrNull(welch.pTwoSided),
    pPermutation: perm ? finiteOrNull(perm.pGreater) : null,
    pPermutationTwoSided: perm ? finiteOrNull(perm.pTwoSided) : null,
  };
}

/**
 * RI table over every dataset × method present in `records` (in first-seen
 * order). Groups lacking random or searched runs produce a row with null
 * statistics and a warning instead of being dropped.
 */
export function analyzeRelativeImprovement(records: readonly RunRecord[], options: RiOptions = {}): RiAnalysis {
  const warnings: string[] = [];
  const rows: RiRow[] = [];
  const datasets = uniqueInOrder(records.map((r) => r.dataset));
  for (const dataset of datasets) {
    const inDataset = records.filter((r) => r.dataset === dataset);
    for (const method of uniqueInOrder(inDataset.map((r) => r.method))) {
      const group = inDataset.filter((r) => r.method === method && Number.isFinite(r.accuracy));
      const random = group.filter((r) => r.kind === 'random').map((r) => r.accuracy);
      const searched = group.filter((r) => r.kind === 'searched').map((r) => r.accuracy);
      if (random.length === 0) warnings.push(`${dataset} / ${method}: no random-sampling runs; RI left blank.`);
      if (searched.length === 0) warnings.push(`${dataset} / ${method}: no searched-architecture runs; RI left blank.`);
      if (random.length > 0 && searched.length > 0 && (random.length < 2 || searched.length < 2)) {
        warnings.push(`${dataset} / ${method}: fewer than 2 runs in a group; Welch's test is undefined.`);
      }
      rows.push(compareWithRandom(dataset, method, random, searched, options));
    }
  }
  return {
    rows,
    warnings,
    settings: {
      ddof: options.ddof ?? DEFAULT_DDOF,
      resamples: options.resamples ?? DEFAULT_BOOTSTRAP_RESAMPLES,
      confidence: options.confidence ?? DEFAULT_CONFIDENCE,
      permutations: options.permutations ?? DEFAULT_PERMUTATIONS,
      seed: options.seed ?? 0,
      ciMethod: 'percentile bootstrap (groups resampled independently)',
    },
  };
}
