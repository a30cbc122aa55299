import type { RankAgreementStudy } from './rank-agreement.js';
import type {
  AblationTable,
  CurveAggregate,
  EpochRankCorrelation,
  GroupSummary,
  PaperComparison,
  RankComparison,
  RiAnalysis,
  RunKind,
} from '@naslab/analysis';
import type { ArchitectureCells } from './cell-graph.js';
import type { SearchCostRow } from './search-cost.js';
import type { LatencyStudy } from './latency.js';
import type { SpaceComparison } from './space-comparison.js';
import type { DivergedRun } from './study-report.js';

/** One accuracy point of a random-vs-searched distribution plot. */
export interface DistributionPoint {
  dataset: string;
  method: string;
  kind: RunKind;
  accuracy: number;
}

export interface RankStudy {
  title: string;
  /** Names of the two conditions, e.g. "seed A" / "seed B" or "8 cells" / "20 cells". */
  labelA: string;
  labelB: string;
  scoresA: number[];
  scoresB: number[];
  comparison: RankComparison;
}

export interface CurveStudy {
  title: string;
  aggregate: CurveAggregate;
  /** Label of the x axis (default "epoch"; "queries" for anytime curves). */
  xLabel?: string;
  /** Shaded band instead of ±1 std (e.g. a 95 % confidence interval of the mean). */
  band?: { lo: number[]; hi: number[]; label: string };
  /** A few individual curves to draw faintly (optional). */
  sample?: number[][];
  /** Kendall τ between the accuracy at each epoch and the final one (optional). */
  tauByEpoch?: EpochRankCorrelation[];
}

export interface GroupStudy {
  title: string;
  /** Axis label of the group, e.g. "number of cells". */
  groupLabel: string;
  /** How each curve was scored (e.g. "best over epochs"). */
  scoring: string;
  summaries: GroupSummary[];
}

/**
 * Everything a report renders. Plain data (analysis results), so a report can
 * be built from any source: the paper's released data, a naslab study, a CSV.
 */
export interface ReportData {
  title: string;
  subtitle?: string;
  /** Methodology notes shown at the top (ddof, resample counts, choices). */
  notes: string[];
  /** Data problems and discrepancies, shown prominently. */
  warnings: string[];
  ri?: RiAnalysis;
  /** RI over further baselines of the study (e.g. budget-matched random search). */
  otherBaselines?: Array<{ baseline: string; description?: string; ri: RiAnalysis }>;
  /** Comparison of `ri` with the paper's Table 1 (paper re-analysis only). */
  paperComparison?: PaperComparison[];
  distributions?: DistributionPoint[];
  ablation?: { title: string; table: AblationTable };
  rankStudies?: RankStudy[];
  /** Rank agreement between each pair of a study's protocols (same architectures). */
  rankAgreement?: RankAgreementStudy[];
  curveStudies?: CurveStudy[];
  /** Anytime performance of query-based searches: best test accuracy found vs queries. */
  anytimeStudies?: CurveStudy[];
  groupStudies?: GroupStudy[];
  /** Search cost (wall time, GPU-hours where known) and accuracy per dataset × method. */
  searchCost?: SearchCostRow[];
  /** Where the search costs come from, when not naslab's own timing (e.g. a paper's figure). */
  searchCostSource?: string;
  /** Cell diagrams of the searched and sampled architectures. */
  architectures?: ArchitectureCells[];
  /** Accuracy distributions of random architectures of two spaces (or op sets): shift of means, histograms. */
  spaceComparisons?: SpaceComparison[];
  /** Accuracy beside predicted latency, where the study's space has a latency model. */
  latency?: LatencyStudy;
  /** Trainings that diverged, listed apart, and how the means and RI count them. */
  diverged?: { counted: 'exclude' | 'chance'; note: string; runs: DivergedRun[] };
}
