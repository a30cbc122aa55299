import { rankAgreementTable } from './rank-agreement.js';
import { spaceComparisonTable } from './space-comparison.js';
import { formatCsv, formatRiAnalysis, significanceMark, type RiAnalysis } from '@naslab/analysis';
import { latencyTable } from './latency.js';
import type { GroupStudy, RankStudy, ReportData } from './report-data.js';
import { formatArchitecturesTrained, formatDuration, formatSearchCost, type SearchCostRow } from './search-cost.js';

/** A table as header + rows of already formatted cells; rendered to Markdown, HTML or CSV. */
export interface Table {
  caption: string;
  header: string[];
  rows: string[][];
}

const f = (x: number | null | undefined, d = 2): string => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(d));
const fp = (p: number | null): string => (p === null ? '–' : p < 0.001 ? p.toExponential(1) : p.toFixed(3));

/** The RI table; with search costs, a last column gives each method's cost per search. */
export function riTable(ri: RiAnalysis, searchCost?: readonly SearchCostRow[], searchCostSource?: string): Table {
  const pct = Math.round(ri.settings.confidence * 100);
  const costOf = (dataset: string, method: string) => {
    const row = searchCost?.find((c) => c.dataset === dataset && c.method === method && c.kind === 'searched');
    return row ? formatSearchCost(row) : '–';
  };
  const table: Table = {
    caption: `Relative improvement RI = 100 × (Acc_method − Acc_random) / Acc_random (means over runs). ${pct}% percentile-bootstrap CI (${ri.settings.resamples} resamples); one-sided p (H1: the method beats random sampling): Welch's t-test and a permutation test (${ri.settings.permutations} permutations). Std with ddof = ${ri.settings.ddof}. * p < 0.05, ** p < 0.01 (Welch).`,
    header: ['dataset', 'method', 'n rand/method', 'random mean ± std', 'method mean ± std', 'RI (%)', `${pct}% CI`, 'p Welch', 'p perm.'],
    rows: ri.rows.map((r) => [
      r.dataset,
      r.method,
      `${r.nRandom}/${r.nMethod}`,
      `${f(r.meanRandom)} ± ${f(r.stdRandom)}`,
      `${f(r.meanMethod)} ± ${f(r.stdMethod)}`,
      `${f(r.ri)}${significanceMark(r.pWelch)}`,
      r.ciLow === null ? '–' : `[${f(r.ciLow)}, ${f(r.ciHigh)}]`,
      fp(r.pWelch),
      fp(r.pPermutation),
    ]),
  };
  if (!searchCost?.length) return table;
  return {
    caption: `${table.caption} Search cost: ${searchCostSource ?? 'mean wall time per search job (GPU-hours where the search ran on a GPU, otherwise CPU)'}.`,
    header: [...table.header, 'search cost'],
    rows: table.rows.map((row, i) => [...row, costOf(ri.rows[i]!.dataset, ri.rows[i]!.method)]),
  };
}

/** Search cost beside accuracy per dataset × method (the paper's Figure 2 as a table). */
export function searchCostTable(rows: readonly SearchCostRow[], source?: string): Table {
  // The supernet column only where a search's history recorded one.
  const supernet = rows.some((r) => r.supernetParameters != null);
  const trained = rows.some((r) => r.trained);
  const published = rows.filter((r) => r.published);
  const sources = [...new Set(published.map((r) => `${r.method}: ${r.published!.source}`))];
  return {
    caption: source
      ? `Search cost beside accuracy. Cost: ${source}. Accuracy: the searched architectures, trained from scratch (mean ± std).`
      : `Search cost beside accuracy. Wall time of each search job as measured by naslab (the random baseline's "search" is sampling); GPU-hours only for searches that ran on a GPU backend, otherwise "CPU".${trained ? ' Trained per search: what the search trained to rank architectures (weight-sharing supernets; children sampled from a shared model and scored with its weights; candidates each trained on its own; benchmark queries; the random baseline trains none).' : ''}${supernet ? ' Supernet: weights of the largest supernet a search trained.' : ''}${published.length ? ` Published: the search cost in GPU-days as a paper reports it, not measured here (${sources.join('; ')}).` : ''} Accuracy: the architectures the searches produced, trained from scratch (mean ± std).`,
    header: [
      'dataset',
      'method',
      'searches',
      'wall time per search',
      'total wall time',
      'device',
      'GPU-hours',
      'backend',
      ...(trained ? ['trained per search'] : []),
      ...(supernet ? ['supernet params'] : []),
      ...(published.length ? ['GPU-days (published)'] : []),
      'n',
      'accuracy mean ± std',
    ],
    rows: rows.map((r) => [
      r.dataset,
      r.method,
      r.searches === null ? '–' : String(r.searches),
      formatDuration(r.meanSeconds),
      formatDuration(r.totalSeconds),
      r.device,
      r.gpuHours === null ? 'CPU' : r.gpuHours.toFixed(3),
      r.backends.join(', ') || '–',
      ...(trained ? [formatArchitecturesTrained(r.trained)] : []),
      ...(supernet ? [r.supernetParameters == null ? '–' : r.supernetParameters.toLocaleString('en-US')] : []),
      ...(published.length ? [r.published ? String(r.published.gpuDays) : '–'] : []),
      String(r.n),
      r.accuracyMean === null ? '–' : `${f(r.accuracyMean)} ± ${f(r.accuracyStd)}`,
    ]),
  };
}

export function paperComparisonTable(data: ReportData): Table | null {
  if (!data.paperComparison) return null;
  return {
    caption: "RI from the released per-run data vs the paper's Table 1 (two decimals).",
    header: ['dataset', 'method', 'paper', 'data', 'status', 'explanation'],
    rows: data.paperComparison.map((c) => [
      c.dataset,
      c.method,
      c.paper.toFixed(2),
      c.computed === null ? '–' : c.computed.toFixed(2),
      c.status,
      c.discrepancy && c.status !== 'match' ? c.discrepancy.explanation : '',
    ]),
  };
}

export function ablationTableView(data: ReportData): Table | null {
  if (!data.ablation) return null;
  const t = data.ablation.table;
  return {
    caption: `${data.ablation.title}. Δ vs base protocol "${t.base}"; std with ddof = ${t.ddof}.`,
    header: ['protocol', 'n', 'mean', 'std', 'min', 'max', 'Δ vs base', 'Δ vs base (%)'],
    rows: t.rows.map((r) => [r.protocol, String(r.n), f(r.mean), f(r.std), f(r.min), f(r.max), f(r.deltaVsBase), f(r.relativeDeltaVsBase)]),
  };
}

export function rankTable(studies: readonly RankStudy[]): Table | null {
  if (!studies.length) return null;
  return {
    caption: 'Rank agreement between two training conditions (ties get average ranks).',
    header: ['study', 'n', 'Kendall τ-b', 'Spearman ρ', 'largest rank shift'],
    rows: studies.map((s) => [
      s.title,
      String(s.comparison.n),
      f(s.comparison.kendallTauB),
      f(s.comparison.spearmanRho),
      `${f(s.comparison.largestShift.shift, 1)} (architecture #${s.comparison.largestShift.index}: rank ${f(s.comparison.largestShift.rankA, 1)} → ${f(s.comparison.largestShift.rankB, 1)})`,
    ]),
  };
}

export function groupTable(study: GroupStudy): Table {
  return {
    caption: `${study.title}: ${study.scoring}; std with ddof = ${study.summaries[0]?.ddof ?? 1}.`,
    header: [study.groupLabel, 'n', 'mean', 'std', 'min', 'max'],
    rows: study.summaries.map((s) => [s.group, String(s.n), f(s.mean), f(s.std), f(s.min), f(s.max)]),
  };
}

/** Diverged runs: where each training's loss became NaN or ∞. */
export function divergedTable(data: ReportData): Table | null {
  if (!data.diverged?.runs.length) return null;
  return {
    caption: data.diverged.note,
    header: ['dataset', 'method', 'protocol', 'seed', 'architecture #', 'epoch', 'step', 'message'],
    rows: data.diverged.runs.map((r) => [r.dataset, r.method, r.protocol, String(r.seed), String(r.index), r.epoch === undefined ? '–' : String(r.epoch), r.step === undefined ? '–' : String(r.step), r.detail]),
  };
}

export function allTables(data: ReportData): Table[] {
  return [
    data.ri ? riTable(data.ri, data.searchCost, data.searchCostSource) : null,
    divergedTable(data),
    data.searchCost?.length ? searchCostTable(data.searchCost, data.searchCostSource) : null,
    paperComparisonTable(data),
    data.latency ? latencyTable(data.latency) : null,
    ablationTableView(data),
    rankTable(data.rankStudies ?? []),
    rankAgreementTable(data.rankAgreement ?? []),
    spaceComparisonTable(data.spaceComparisons ?? []),
    ...(data.groupStudies ?? []).map(groupTable),
  ].filter((t): t is Table => t !== null);
}

const mdCell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function tableToMarkdown(t: Table): string {
  return [
    `| ${t.header.map(mdCell).join(' | ')} |`,
    `|${t.header.map(() => '---').join('|')}|`,
    ...t.rows.map((r) => `| ${r.map(mdCell).join(' | ')} |`),
    '',
    `_${t.caption}_`,
  ].join('\n');
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function tableToHtml(t: Table): string {
  const head = t.header.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = t.rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('\n');
  return `<table><caption>${escapeHtml(t.caption)}</caption><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** Markdown rendering of the whole report (tables, notes, warnings; no charts). */
export function reportToMarkdown(data: ReportData): string {
  const parts = [`# ${data.title}`, ''];
  if (data.subtitle) parts.push(data.subtitle, '');
  if (data.warnings.length) parts.push('## Warnings', '', ...data.warnings.map((w) => `- ${w}`), '');
  if (data.notes.length) parts.push('## Method', '', ...data.notes.map((n) => `- ${n}`), '');
  for (const t of allTables(data)) parts.push(tableToMarkdown(t), '');
  return parts.join('\n');
}

/** Machine-readable CSV files of the report, by file name. */
export function reportCsvFiles(data: ReportData): Record<string, string> {
  const files: Record<string, string> = {};
  if (data.ri) files['ri.csv'] = formatRiAnalysis(data.ri, 'csv');
  if (data.searchCost?.length) {
    files['search-cost.csv'] = formatCsv(
      ['dataset', 'method', 'kind', 'searches', 'mean_wall_seconds', 'total_wall_seconds', 'device', 'gpu_hours', 'backends', 'trained_per_search', 'trained_unit', 'published_gpu_days', 'published_source', 'n', 'accuracy_mean', 'accuracy_std'],
      data.searchCost.map((r) => [
        r.dataset,
        r.method,
        r.kind,
        r.searches,
        r.meanSeconds,
        r.totalSeconds,
        r.device,
        r.gpuHours,
        r.backends.join(' '),
        r.trained?.count ?? null,
        r.trained?.unit ?? null,
        r.published?.gpuDays ?? null,
        r.published?.source ?? null,
        r.n,
        r.accuracyMean,
        r.accuracyStd,
      ]),
    );
  }
  if (data.diverged?.runs.length) {
    files['diverged.csv'] = formatCsv(
      ['dataset', 'method', 'protocol', 'seed', 'index', 'epoch', 'step', 'counted', 'message'],
      data.diverged.runs.map((r) => [r.dataset, r.method, r.protocol, r.seed, r.index, r.epoch ?? null, r.step ?? null, data.diverged!.counted, r.detail]),
    );
  }
  if (data.paperComparison) {
    files['paper-table1-comparison.csv'] = formatCsv(
      ['dataset', 'method', 'paper_ri', 'data_ri', 'status', 'discrepancy'],
      data.paperComparison.map((c) => [c.dataset, c.method, c.paper, c.computed, c.status, c.discrepancy?.kind ?? '']),
    );
  }
  if (data.latency) {
    files['latency.csv'] = formatCsv(
      ['dataset', 'method', 'kind', 'run', 'accuracy', 'latency_ms', 'arch'],
      data.latency.points.map((p) => [p.dataset, p.method, p.kind, p.run, p.accuracy, p.latencyMs, p.arch ?? '']),
    );
  }
  if (data.ablation) {
    const t = data.ablation.table;
    files['ablation.csv'] = formatCsv(
      ['protocol', 'n', 'mean', 'std', 'min', 'max', 'delta_vs_base', 'relative_delta_vs_base', 'base', 'ddof'],
      t.rows.map((r) => [r.protocol, r.n, r.mean, r.std, r.min, r.max, r.deltaVsBase, r.relativeDeltaVsBase, t.base, t.ddof]),
    );
  }
  if (data.rankStudies?.length) {
    files['rank-studies.csv'] = formatCsv(
      ['study', 'n', 'kendall_tau_b', 'spearman_rho', 'largest_shift', 'largest_shift_index'],
      data.rankStudies.map((s) => [s.title, s.comparison.n, s.comparison.kendallTauB, s.comparison.spearmanRho, s.comparison.largestShift.shift, s.comparison.largestShift.index]),
    );
  }
  if (data.spaceComparisons?.length) {
    files['space-comparison.csv'] = formatCsv(
      ['comparison', 'space_a', 'space_b', 'n_a', 'mean_a', 'std_a', 'n_b', 'mean_b', 'std_b', 'ddof', 'shift', 'shift_ci_low', 'shift_ci_high', 'confidence', 'resamples'],
      data.spaceComparisons.map((c) => [c.title, c.labelA, c.labelB, c.valuesA.length, c.meanA, c.stdA, c.valuesB.length, c.meanB, c.stdB, c.ddof, c.shift, c.shiftCi.low, c.shiftCi.high, c.shiftCi.confidence, c.shiftCi.resamples]),
    );
  }
  if (data.groupStudies?.length) {
    files['group-studies.csv'] = formatCsv(
      ['study', 'group', 'n', 'mean', 'std', 'ddof', 'min', 'max'],
      data.groupStudies.flatMap((g) => g.summaries.map((s) => [g.title, s.group, s.n, s.mean, s.std, s.ddof, s.min, s.max])),
    );
  }
  return files;
}
