import { parseCsv, parseNumber } from './csv.js';
import type { RunKind, RunRecord } from './records.js';

export interface ImportResult {
  records: RunRecord[];
  warnings: string[];
  /** Search methods in the order their columns appear (paper layout) or first appear (long format). */
  methodOrder: string[];
}

const RANDOM_PREFIX = /^random[\s_-]+/i;

export interface PaperLayoutOptions {
  /**
   * Method-name aliases applied after reading the header (e.g. `{ 'MANAS-LS': 'MANAS' }`);
   * every alias used is reported as a warning.
   */
  aliases?: Record<string, string>;
}

/**
 * The paper's layout (NAS-Benchmark `Plots/data/performance/*.csv`): a header
 * row, then one row per run; for every method a column `Random X` (randomly
 * sampled architectures) and a column `X` (searched architectures).
 *
 * Columns are paired by header name (trimmed), not by position. Empty cells
 * are skipped; a column with no values produces a warning, not made-up data.
 */
export function parsePaperLayout(text: string, dataset: string, options: PaperLayoutOptions = {}): ImportResult {
  const rows = parseCsv(text);
  const warnings: string[] = [];
  if (rows.length === 0) return { records: [], warnings: [`${dataset}: empty file`], methodOrder: [] };
  const header = rows[0].map((h) => h.trim());
  const body = rows.slice(1);
  const aliases = options.aliases ?? {};
  const resolve = (name: string): string => {
    const method = aliases[name] ?? name;
    if (method !== name) warnings.push(`${dataset}: column "${name}" read as method "${method}" (alias).`);
    return method;
  };
  const randomCols = new Map<string, number>();
  const methodCols = new Map<string, number>();
  const methodOrder: string[] = [];
  header.forEach((h, i) => {
    if (h === '') return;
    if (RANDOM_PREFIX.test(h)) randomCols.set(resolve(h.replace(RANDOM_PREFIX, '').trim()), i);
    else {
      const method = resolve(h);
      methodCols.set(method, i);
      methodOrder.push(method);
    }
  });
  for (const name of randomCols.keys()) {
    if (!methodCols.has(name)) warnings.push(`${dataset}: column "Random ${name}" has no matching "${name}" column.`);
  }
  const records: RunRecord[] = [];
  const add = (method: string, col: number | undefined, kind: RunKind): number => {
    if (col === undefined) return 0;
    let count = 0;
    body.forEach((r, runIndex) => {
      const v = parseNumber(r[col]);
      if (Number.isFinite(v)) {
        records.push({ dataset, method, kind, run: runIndex + 1, accuracy: v });
        count++;
      }
    });
    return count;
  };
  for (const method of methodOrder) {
    const rCol = randomCols.get(method);
    if (rCol === undefined) warnings.push(`${dataset}: method "${method}" has no "Random ${method}" column.`);
    const nR = add(method, rCol, 'random');
    const nM = add(method, methodCols.get(method), 'searched');
    if (nM === 0) warnings.push(`${dataset}: column "${header[methodCols.get(method)!]}" has no per-run values.`);
    if (rCol !== undefined && nR === 0) warnings.push(`${dataset}: column "${header[rCol]}" has no per-run values.`);
  }
  return { records, warnings, methodOrder };
}

const LONG_COLUMNS = ['dataset', 'method', 'kind', 'run', 'accuracy'] as const;

/**
 * Long format: header `dataset, method, kind, run, accuracy` (any column order,
 * extra columns ignored), kind ∈ {random, searched}; one row per trained architecture.
 */
export function parseLongFormat(text: string): ImportResult {
  const rows = parseCsv(text);
  const warnings: string[] = [];
  if (rows.length === 0) return { records: [], warnings: ['empty file'], methodOrder: [] };
  const header = rows[0].map((h) => h.trim().toLowerCase());
  const idx = Object.fromEntries(LONG_COLUMNS.map((c) => [c, header.indexOf(c)])) as Record<(typeof LONG_COLUMNS)[number], number>;
  const missing = LONG_COLUMNS.filter((c) => idx[c] < 0);
  if (missing.length) throw new Error(`long-format CSV is missing column(s): ${missing.join(', ')}`);
  const records: RunRecord[] = [];
  rows.slice(1).forEach((r, i) => {
    const line = i + 2;
    const kind = (r[idx.kind] ?? '').trim().toLowerCase();
    if (kind !== 'random' && kind !== 'searched') {
      warnings.push(`line ${line}: kind "${r[idx.kind]}" is neither random nor searched; row skipped.`);
      return;
    }
    const accuracy = parseNumber(r[idx.accuracy]);
    if (!Number.isFinite(accuracy)) {
      warnings.push(`line ${line}: accuracy "${r[idx.accuracy] ?? ''}" is not a number; row skipped.`);
      return;
    }
    const runText = (r[idx.run] ?? '').trim();
    const runNum = Number(runText);
    records.push({
      dataset: (r[idx.dataset] ?? '').trim(),
      method: (r[idx.method] ?? '').trim(),
      kind,
      run: runText !== '' && Number.isFinite(runNum) ? runNum : runText,
      accuracy,
    });
  });
  const methodOrder = [...new Set(records.map((r) => r.method))];
  return { records, warnings, methodOrder };
}

export type ResultsFormat = 'paper' | 'long';

/** 'long' when the header has dataset/method/kind/accuracy columns, else 'paper'. */
export function detectResultsFormat(text: string): ResultsFormat {
  const first = parseCsv(text.split(/\r?\n/, 1)[0] ?? '')[0] ?? [];
  const h = new Set(first.map((c) => c.trim().toLowerCase()));
  return h.has('dataset') && h.has('method') && h.has('kind') && h.has('accuracy') ? 'long' : 'paper';
}

/** Imports either layout; `dataset` names the dataset of a paper-layout file (e.g. from its file name). */
export function importResults(text: string, dataset: string, options: PaperLayoutOptions = {}): ImportResult {
  return detectResultsFormat(text) === 'long' ? parseLongFormat(text) : parsePaperLayout(text, dataset, options);
}
