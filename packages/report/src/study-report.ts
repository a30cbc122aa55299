import {
  ablationTable,
  aggregateCurves,
  analyzeRelativeImprovement,
  rankCorrelationWithFinal,
  scoreCurve,
  type CurveScoring,
  type ProtocolRuns,
  type RiOptions,
  type RunKind,
} from '@naslab/analysis';
import type { ArchitectureCells } from './cell-graph.js';
import { rankAgreementStudies, type ProtocolRun } from './rank-agreement.js';
import { latencyStudy } from './latency.js';
import type { CurveStudy, ReportData } from './report-data.js';
import { summarizeSearchCost, type SearchJobCost } from './search-cost.js';
import { spaceComparisonStudies, type SpaceSample } from './space-comparison.js';

/** One trained architecture of a stored study. */
export interface StudyRun {
  dataset: string;
  method: string;
  kind: RunKind;
  /**
   * Random runs: the method whose sampling produced them (a study whose methods search several
   * spaces has one random baseline per space); absent, the study's one baseline.
   */
  baseline?: string;
  run: number | string;
  /** Top-1 test accuracy (%). When NaN and `curve` is given, the curve is scored (see `curveScoring`). */
  accuracy: number;
  /** Per-epoch test accuracy (%), epoch 1 first. */
  curve?: number[];
  /** Predicted latency (ms), where the study's space has a latency model; with the architecture's text. */
  latencyMs?: number;
  arch?: string;
}

/** A training that diverged (its loss became NaN or ∞): a result of the protocol, listed apart. */
export interface DivergedRun {
  dataset: string;
  method: string;
  protocol: string;
  seed: number;
  index: number;
  /** Where it diverged (1-based), when the stored message says it. */
  epoch?: number;
  step?: number;
  /** The stored message. */
  detail: string;
}

/** Diverged runs and how the study counts them (the manifest's `report.diverged`). */
export interface StudyDiverged {
  runs: DivergedRun[];
  /** `exclude`: left out of means and RI; `chance`: counted at chance accuracy (100 / classes) in the runs. */
  counted: 'exclude' | 'chance';
}

export interface StudyDataset {
  name: string;
  /** Display label (defaults to name). */
  label?: string;
}

export interface StudyAblation {
  title?: string;
  /** Base protocol (default: the first). */
  base?: string;
  protocols: ProtocolRuns[];
}

/** Input of {@link buildStudyReport}: what the CLI passes from a stored study. */
export interface StudyReportInput {
  title?: string;
  /** Datasets to report, in order; runs of other datasets are ignored with a warning. */
  datasets: Array<string | StudyDataset>;
  runs: StudyRun[];
  ablation?: StudyAblation;
  /** Best-so-far test accuracy after each query, one curve per seed, per dataset × method. */
  anytime?: Array<{ dataset: string; method: string; curves: number[][] }>;
  /** Wall time and device of every finished search job (the baseline's sampling included). */
  searchCosts?: SearchJobCost[];
  /** Cells of every searched and sampled architecture, drawn as diagrams (see `genotypeCellGraphs`). */
  architectures?: ArchitectureCells[];
  /** Statistics settings (ddof, resamples, permutations, seed, confidence). */
  options?: RiOptions & { curveScoring?: CurveScoring };
  /**
   * RI against further baselines of the same study (e.g. budget-matched random search beside
   * random sampling): each baseline's runs as `random`, the methods it is compared with as `searched`.
   */
  otherBaselines?: Array<{ baseline: string; description?: string; runs: StudyRun[] }>;
  /** The same architectures trained under several protocols: rank agreement per pair of `protocols`. */
  protocolRuns?: Array<{ dataset: string; protocols: string[]; runs: ProtocolRun[] }>;
  /**
   * Random architectures of two or more spaces (or op sets of one space) trained under the same
   * protocol, per dataset, the reference space first: compared by the shift of their means.
   */
  spaceRuns?: Array<{ dataset: string; spaces: SpaceSample[] }>;
  /** Trainings that diverged; with `counted: 'chance'` the caller has put them in `runs` at chance accuracy. */
  diverged?: StudyDiverged;
}

/** The one line a report says about its diverged runs. */
export function divergedNote(d: StudyDiverged): string {
  const n = `${d.runs.length} run${d.runs.length === 1 ? '' : 's'} diverged`;
  return d.counted === 'chance'
    ? `${n} (the loss became NaN or ∞): counted at chance accuracy (100 / classes) in the means and the RI (report.diverged: chance).`
    : `${n} (the loss became NaN or ∞): listed apart and left out of the means and the RI (report.diverged: chance counts them at chance accuracy).`;
}

/** Report data for a naslab study: RI table, distributions, ablation and training curves. */
export function buildStudyReport(input: StudyReportInput): ReportData {
  const warnings: string[] = [];
  const datasets = input.datasets.map((d) => (typeof d === 'string' ? { name: d, label: d } : { name: d.name, label: d.label ?? d.name }));
  const labelOf = new Map(datasets.map((d) => [d.name, d.label]));
  const scoring = input.options?.curveScoring ?? 'final';
  const ignored = new Set<string>();
  const runs = input.runs.flatMap((r) => {
    const label = labelOf.get(r.dataset);
    if (label === undefined) {
      ignored.add(r.dataset);
      return [];
    }
    let accuracy = r.accuracy;
    if (!Number.isFinite(accuracy) && r.curve?.length) {
      accuracy = scoreCurve(r.curve, scoring);
      if (Number.isNaN(accuracy)) warnings.push(`${label} ${r.method} ${r.run}: its curve's last epoch is missing; no '${scoring}' score (an earlier epoch is not scored instead).`);
    }
    return [{ ...r, dataset: label, accuracy }];
  });
  const costs = (input.searchCosts ?? []).flatMap((c) => {
    const label = labelOf.get(c.dataset);
    return label === undefined ? [] : [{ ...c, dataset: label }];
  });
  for (const d of ignored) warnings.push(`runs of dataset "${d}" ignored: not in the report's dataset list.`);
  const ri = analyzeRelativeImprovement(runs, input.options);
  warnings.push(...ri.warnings);

  const curveStudies: CurveStudy[] = [];
  for (const d of datasets) {
    for (const kind of ['random', 'searched'] as const) {
      const curves = runs.filter((r) => r.dataset === d.label && r.kind === kind && r.curve?.length).map((r) => r.curve!);
      if (curves.length === 0) continue;
      const sameLength = curves.every((c) => c.length === curves[0].length);
      curveStudies.push({
        title: `${d.label}, ${kind} architectures (${curves.length})`,
        aggregate: aggregateCurves(curves, ri.settings.ddof),
        sample: curves.slice(0, 12),
        tauByEpoch: sameLength && curves.length > 1 ? rankCorrelationWithFinal(curves, { every: Math.max(1, Math.floor(curves[0].length / 300)) }) : undefined,
      });
    }
  }

  return {
    title: input.title ?? 'naslab study report',
    notes: [
      `RI = 100 × (Acc_method − Acc_random) / Acc_random with means over runs; std ddof = ${ri.settings.ddof}.`,
      `CI: ${ri.settings.ciMethod}, ${ri.settings.resamples} resamples, ${Math.round(ri.settings.confidence * 100)}% level; one-sided Welch and permutation (${ri.settings.permutations}) tests, seed ${ri.settings.seed}.`,
      `Runs without an accuracy are scored from their curve: ${scoring === 'best' ? 'best over epochs' : 'final epoch'}.`,
      ...(input.diverged?.runs.length ? [divergedNote(input.diverged)] : []),
    ],
    warnings,
    ri,
    distributions: runs.map((r) => ({ dataset: r.dataset, method: r.method, kind: r.kind, accuracy: r.accuracy })),
    ...(input.ablation
      ? {
          ablation: {
            title: input.ablation.title ?? 'Training-protocol ablation',
            table: ablationTable(input.ablation.protocols, { base: input.ablation.base, ddof: ri.settings.ddof }),
          },
        }
      : {}),
    curveStudies,
    anytimeStudies: (input.anytime ?? []).map((a) => anytimeStudy(a, ri.settings.ddof)),
    ...(costs.length ? { searchCost: summarizeSearchCost(costs, runs, ri.settings.ddof) } : {}),
    ...(input.architectures?.length ? { architectures: input.architectures } : {}),
    ...(input.protocolRuns?.length
      ? {
          rankAgreement: input.protocolRuns.flatMap((g) =>
            rankAgreementStudies(g.runs, g.protocols, { seed: input.options?.seed, confidence: input.options?.confidence }).map((s) => ({ ...s, title: `${g.dataset}: ${s.title}` })),
          ),
        }
      : {}),
    ...(input.spaceRuns?.length
      ? (() => {
          const studies = spaceComparisonStudies(input.spaceRuns, { seed: input.options?.seed, confidence: input.options?.confidence, ddof: ri.settings.ddof });
          return studies.length ? { spaceComparisons: studies } : {};
        })()
      : {}),
    ...(input.otherBaselines?.length
      ? { otherBaselines: input.otherBaselines.map((b) => ({ baseline: b.baseline, description: b.description, ri: analyzeRelativeImprovement(b.runs, input.options) })) }
      : {}),
    latency: latencyStudy(runs),
    ...(input.diverged?.runs.length ? { diverged: { counted: input.diverged.counted, note: divergedNote(input.diverged), runs: input.diverged.runs } } : {}),
  };
}

/** Mean best-so-far curve over seeds with a normal-approximation 95 % CI of the mean. */
function anytimeStudy(a: { dataset: string; method: string; curves: number[][] }, ddof: number): CurveStudy {
  const aggregate = aggregateCurves(a.curves, ddof);
  const counts = Array.from({ length: aggregate.epochs }, (_, q) => a.curves.filter((c) => q < c.length && Number.isFinite(c[q])).length);
  const half = aggregate.std.map((s, q) => (counts[q] > 1 && Number.isFinite(s) ? (1.96 * s) / Math.sqrt(counts[q]) : 0));
  return {
    title: `${a.dataset} / ${a.method} (${a.curves.length} seeds)`,
    aggregate,
    xLabel: 'queries',
    band: { lo: aggregate.mean.map((m, q) => m - half[q]), hi: aggregate.mean.map((m, q) => m + half[q]), label: '95% CI of the mean' },
    sample: a.curves.slice(0, 12),
  };
}
