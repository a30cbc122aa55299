import { formatCsv } from './csv.js';
import type { RiAnalysis, RiRow } from './relative-improvement.js';

export type OutputFormat = 'csv' | 'json' | 'md';

/** Column order of the CSV / JSON output (snake_case). */
export const RI_COLUMNS = [
  'dataset',
  'method',
  'n_random',
  'n_method',
  'mean_random',
  'mean_method',
  'std_random',
  'std_method',
  'ri',
  'ci_low',
  'ci_high',
  'p_welch',
  'p_permutation',
  'p_welch_two_sided',
  'p_permutation_two_sided',
  't_welch',
  'df_welch',
] as const;

export type RiCsvRow = Record<(typeof RI_COLUMNS)[number], string | number | null>;

export function riRowToRecord(r: RiRow): RiCsvRow {
  return {
    dataset: r.dataset,
    method: r.method,
    n_random: r.nRandom,
    n_method: r.nMethod,
    mean_random: r.meanRandom,
    mean_method: r.meanMethod,
    std_random: r.stdRandom,
    std_method: r.stdMethod,
    ri: r.ri,
    ci_low: r.ciLow,
    ci_high: r.ciHigh,
    p_welch: r.pWelch,
    p_permutation: r.pPermutation,
    p_welch_two_sided: r.pWelchTwoSided,
    p_permutation_two_sided: r.pPermutationTwoSided,
    t_welch: r.tWelch,
    df_welch: r.dfWelch,
  };
}

/** Significance mark from the one-sided Welch p: ** p < 0.01, * p < 0.05, empty otherwise. */
export function significanceMark(p: number | null): string {
  if (p === null) return '';
  if (p < 0.01) return '**';
  if (p < 0.05) return '*';
  return '';
}

const fmt = (x: number | null, digits: number): string => (x === null ? '–' : x.toFixed(digits));
const fmtP = (p: number | null): string => (p === null ? '–' : p < 0.001 ? p.toExponential(1) : p.toFixed(3));

function markdownTable(a: RiAnalysis): string {
  const s = a.settings;
  const lines = [
    `| dataset | method | n (rand/method) | random mean ± std | method mean ± std | RI (%) | ${Math.round(s.confidence * 100)}% CI | p Welch | p perm. |`,
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of a.rows) {
    lines.push(
      `| ${r.dataset} | ${r.method} | ${r.nRandom}/${r.nMethod} | ${fmt(r.meanRandom, 2)} ± ${fmt(r.stdRandom, 2)} | ${fmt(r.meanMethod, 2)} ± ${fmt(r.stdMethod, 2)} | ${fmt(r.ri, 2)}${significanceMark(r.pWelch)} | [${fmt(r.ciLow, 2)}, ${fmt(r.ciHigh, 2)}] | ${fmtP(r.pWelch)} | ${fmtP(r.pPermutation)} |`,
    );
  }
  lines.push(
    '',
    `std: ddof = ${s.ddof}. CI: ${s.ciMethod}, ${s.resamples} resamples. p-values are one-sided (H1: the method beats random sampling); Welch's t-test and a permutation test with ${s.permutations} permutations (seed ${s.seed}). * p < 0.05, ** p < 0.01 (Welch).`,
  );
  if (a.warnings.length) lines.push('', '**Warnings**', '', ...a.warnings.map((w) => `- ${w}`));
  return lines.join('\n') + '\n';
}

/** Renders an RI analysis as CSV (one row per dataset × method), JSON or Markdown. */
export function formatRiAnalysis(a: RiAnalysis, format: OutputFormat): string {
  switch (format) {
    case 'csv':
      return formatCsv(RI_COLUMNS, a.rows.map((r) => RI_COLUMNS.map((c) => riRowToRecord(r)[c])));
    case 'json':
      return JSON.stringify({ settings: a.settings, warnings: a.warnings, rows: a.rows.map(riRowToRecord) }, null, 2) + '\n';
    case 'md':
      return markdownTable(a);
    default:
      throw new Error(`unknown format: ${String(format)}`);
  }
}
