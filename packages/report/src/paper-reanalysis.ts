import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ablationTable,
  aggregateCurves,
  analyzeRelativeImprovement,
  columnOrderWarnings,
  compareRankings,
  compareWithPaperTable1,
  mean,
  PAPER_DATASETS,
  paperTable1Warnings,
  parseNumericTable,
  parsePaperLayout,
  rankCorrelationWithFinal,
  std,
  summarizeCurveGroups,
  type RiOptions,
  type RunRecord,
} from '@naslab/analysis';
import type { ReportData } from './report-data.js';
import type { SearchCostRow } from './search-cost.js';
import { compareSpaceDistributions } from './space-comparison.js';

/** Column-name aliases applied to the paper's files (each use is reported as a warning). */
export const PAPER_ALIASES: Readonly<Record<string, string>> = { 'MANAS-LS': 'MANAS' };
const CELL_COUNTS = [4, 6, 8, 12, 16, 20, 24];

async function read(dir: string, ...parts: string[]): Promise<string> {
  const path = join(dir, ...parts);
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new Error(`cannot read ${path}: ${(e as Error).message}. Pass the seed-data directory (the one containing nas-benchmark/).`);
  }
}

export interface PaperReanalysisOptions extends RiOptions {
  /** Individual training curves drawn behind the mean curve (default 12). */
  sampleCurves?: number;
}

/**
 * Search cost on CIFAR10 in GPU-days, as the paper's Figure 2 plots it (hard-coded in the
 * released notebook, cell 6; Tesla V100s). Not in the released CSVs.
 */
export const PAPER_SEARCH_GPU_DAYS: Readonly<Record<string, number>> = Object.freeze({
  DARTS: 0.3,
  StacNAS: 1,
  PDARTS: 0.25,
  MANAS: 0.7,
  CNAS: 0.6,
  NSGANET: 4,
  NAO: 0.67,
  ENAS: 0.3,
});

/** Figure 2 as a cost table: the paper's GPU-days beside the released CIFAR10 accuracies. */
function paperSearchCost(records: readonly RunRecord[], ddof: number): SearchCostRow[] {
  return Object.entries(PAPER_SEARCH_GPU_DAYS).map(([method, days]) => {
    const acc = records.filter((r) => r.dataset === 'CIFAR10' && r.method === method && r.kind === 'searched').map((r) => r.accuracy);
    return {
      dataset: 'CIFAR10',
      method,
      kind: 'searched' as const,
      searches: null,
      meanSeconds: days * 86_400,
      totalSeconds: days * 86_400,
      device: 'GPU' as const,
      gpuHours: days * 24,
      backends: [],
      published: { gpuDays: days, source: "Yang et al. 2020, Fig. 2 (the notebook's values)" },
      n: acc.length,
      accuracyMean: acc.length ? mean(acc) : null,
      accuracyStd: acc.length > ddof ? std(acc, ddof) : null,
    };
  });
}

/**
 * Why `seedDataDir` is not the paper's seed-data folder, or undefined: checked on the first file
 * `paperReanalysis` reads (a regular file), so a wrong folder is named before any work.
 */
export function paperDataProblem(seedDataDir: string): string | undefined {
  const first = join(seedDataDir, 'nas-benchmark', 'performance', `${PAPER_DATASETS[0]}.csv`);
  try {
    if (statSync(first).isFile()) return undefined;
    return `the released results file ${first} is not a regular file`;
  } catch {
    return `the released results file ${first} does not exist`;
  }
}

/**
 * Report data re-analysing "NAS evaluation is frustratingly hard" from its
 * released data: `seedDataDir` is the folder holding `nas-benchmark/`
 * (performance/, correlations/, cell_sensitivity/, darts_space_random/).
 * Discrepancies with the paper are reported as warnings, never patched.
 */
export async function paperReanalysis(seedDataDir: string, options: PaperReanalysisOptions = {}): Promise<ReportData> {
  const nb = join(seedDataDir, 'nas-benchmark');
  const warnings: string[] = [];
  const records: RunRecord[] = [];
  const orders: Record<string, string[]> = {};
  for (const ds of PAPER_DATASETS) {
    const imp = parsePaperLayout(await read(nb, 'performance', `${ds}.csv`), ds, { aliases: { ...PAPER_ALIASES } });
    records.push(...imp.records);
    warnings.push(...imp.warnings);
    orders[ds] = imp.methodOrder;
  }
  warnings.push(...columnOrderWarnings(orders));
  const ri = analyzeRelativeImprovement(records, options);
  warnings.push(...ri.warnings);
  const paperComparison = compareWithPaperTable1(ri.rows);
  warnings.push(...paperTable1Warnings(paperComparison));

  const aug = parseNumericTable(await read(nb, 'performance', 'Augmentation.csv'));
  const ablation = ablationTable(aug.header.map((protocol, i) => ({ protocol, values: aug.rows.map((r) => r[i]) })));

  const pairs = async (file: string) => {
    const t = parseNumericTable(await read(nb, 'correlations', file), { skipColumns: 1 });
    return [t.rows.map((r) => r[0]), t.rows.map((r) => r[1])] as const;
  };
  const [seedA, seedB] = await pairs('seed_pairs_32_combined.csv');
  const [cells8, cells20] = await pairs('8_to_20_cells.csv');

  const cellGroups = [];
  for (const c of CELL_COUNTS) {
    const t = parseNumericTable(await read(nb, 'cell_sensitivity', `cell_n_${c}_test_acc_by_epoch.csv`), { skipColumns: 1 });
    cellGroups.push({ group: String(c), curves: t.rows });
  }
  const curves = parseNumericTable(await read(nb, 'darts_space_random', '214_random_architectures_test_acc_by_epoch.csv'), {
    skipColumns: 1,
  }).rows;
  const modifiedCurves = parseNumericTable(await read(nb, 'darts_space_random', '56_random_modified_space_test_acc_by_epoch.csv'), {
    skipColumns: 1,
  }).rows;
  // Section 5.2's "shifted by only 0.18 points" is the shift of the final-epoch means.
  const lastEpoch = (c: readonly number[]) => c[c.length - 1]!;
  const spaceShift = compareSpaceDistributions(
    { space: 'DARTS ops (214)', accuracies: curves.map(lastEpoch) },
    { space: 'modified ops (56)', accuracies: modifiedCurves.map(lastEpoch) },
    { resamples: options.resamples, seed: options.seed, confidence: options.confidence, ddof: ri.settings.ddof, title: 'CIFAR10, final epoch: DARTS ops vs modified ops' },
  );
  const nSample = Math.min(options.sampleCurves ?? 12, curves.length);
  const sample = Array.from({ length: nSample }, (_, i) => curves[Math.floor((i * curves.length) / nSample)]);

  return {
    title: 'Re-analysis of "NAS evaluation is frustratingly hard" (Yang, Esperança, Carlucci, ICLR 2020)',
    subtitle: 'From the authors\u2019 released data (antoyang/NAS-Benchmark, Plots/data): 8 methods × 5 datasets, 8 random and 8 searched architectures each.',
    notes: [
      'RI = 100 × (mean accuracy of the searched architectures − mean accuracy of the random ones) / mean accuracy of the random ones, means per column as in the paper.',
      `Standard deviations use ddof = ${ri.settings.ddof} (sample std). The paper\u2019s notebook uses numpy\u2019s default ddof = 0 for the cell-count figure.`,
      `RI confidence interval: ${ri.settings.ciMethod}, ${ri.settings.resamples} resamples, ${Math.round(ri.settings.confidence * 100)}% level, seeded xoshiro128** (base seed ${ri.settings.seed}).`,
      `Significance of "the method beats random sampling": one-sided Welch t-test and one-sided permutation test on the difference of means (${ri.settings.permutations} permutations, p = (k+1)/(B+1)).`,
      'Paper-layout columns are paired by header name ("Random X" with "X"), not by position; "MANAS-LS" (CIFAR10) is read as MANAS.',
      'Cell-count study: each architecture is scored by its best test accuracy over the 600 epochs, as in the paper\u2019s figure.',
      'Op-set study (Section 5.2): 214 DARTS-space and 56 modified-op-set architectures, each scored by its final (600th) epoch, which gives the paper\u2019s 0.18-point shift (best over epochs: 0.187).',
    ],
    warnings,
    ri,
    searchCost: paperSearchCost(records, ri.settings.ddof),
    searchCostSource: "GPU-days on CIFAR10 from the paper's Figure 2 (the notebook's hard-coded values, Tesla V100), as GPU-hours; wall time = GPU-days × 24 h",
    paperComparison,
    distributions: records.map((r) => ({ dataset: r.dataset, method: r.method, kind: r.kind, accuracy: r.accuracy })),
    ablation: { title: 'Training-protocol ablation (CIFAR10, 8 random DARTS-space architectures)', table: ablation },
    rankStudies: [
      { title: 'Same architectures, two seeds', labelA: 'seed A', labelB: 'seed B', scoresA: [...seedA], scoresB: [...seedB], comparison: compareRankings(seedA, seedB) },
      { title: 'Depth gap: 8 vs 20 cells', labelA: '8 cells', labelB: '20 cells', scoresA: [...cells8], scoresB: [...cells20], comparison: compareRankings(cells8, cells20) },
    ],
    spaceComparisons: [spaceShift],
    groupStudies: [
      { title: 'Number of cells', groupLabel: 'number of cells', scoring: 'best over epochs', summaries: summarizeCurveGroups(cellGroups, { scoring: 'best', ddof: ri.settings.ddof }) },
    ],
    curveStudies: [
      {
        title: '214 random DARTS-space architectures, 600 epochs',
        aggregate: aggregateCurves(curves, ri.settings.ddof),
        sample,
        tauByEpoch: rankCorrelationWithFinal(curves, { every: 2 }),
      },
    ],
  };
}
