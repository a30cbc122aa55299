import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { renderHtml } from './html.js';
import type { ReportData } from './report-data.js';
import { reportCsvFiles, reportToMarkdown } from './tables.js';

export interface WrittenReport {
  /** Absolute or outDir-relative paths of every file written, by role. */
  html: string;
  markdown: string;
  json: string;
  csv: string[];
}

/** Written into every report folder: the folder is naslab's, and a later report may replace it. */
export const REPORT_MARKER = '.naslab-report';

/** Files a report writes, by name: a folder holding only these (and report-data.json) is a report of an older version. */
const REPORT_FILE = /^(index\.html|report\.md|report-data\.json|[A-Za-z0-9._-]+\.csv)$/;

/**
 * Why naslab must not write a report into `dir`, or undefined: a folder that exists, is not
 * empty, and is not a report naslab wrote (no marker, and files a report does not write) is
 * someone else's, and a report would overwrite what is in it.
 */
export function reportFolderProblem(dir: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  if (!statSync(dir).isDirectory()) return `${dir} is not a folder`;
  const entries = readdirSync(dir);
  if (entries.length === 0 || entries.includes(REPORT_MARKER)) return undefined;
  const foreign = entries.filter((e) => !REPORT_FILE.test(e) || statSync(join(dir, e)).isDirectory());
  if (entries.includes('report-data.json') && foreign.length === 0) return undefined;
  const named = (foreign.length ? foreign : entries).slice(0, 3).join(', ');
  return `${dir} holds files naslab did not write (${named}${(foreign.length || entries.length) > 3 ? ', …' : ''}); a report would overwrite them: choose an empty or new folder`;
}

/**
 * Writes `index.html` (self-contained, inline SVG), `report.md`, `report-data.json`
 * and one CSV per table into `outDir` (created if needed).
 */
export async function writeReport(outDir: string, data: ReportData): Promise<WrittenReport> {
  const problem = reportFolderProblem(outDir);
  if (problem) throw new Error(`not writing the report: ${problem}`);
  await mkdir(outDir, { recursive: true });
  await writeFile(join(outDir, REPORT_MARKER), 'This folder is a naslab report: the next report of the same study replaces its files.\n', 'utf8');
  const html = join(outDir, 'index.html');
  const markdown = join(outDir, 'report.md');
  const json = join(outDir, 'report-data.json');
  await writeFile(html, await renderHtml(data), 'utf8');
  await writeFile(markdown, reportToMarkdown(data), 'utf8');
  await writeFile(json, JSON.stringify(data, null, 1) + '\n', 'utf8');
  const csv: string[] = [];
  for (const [name, text] of Object.entries(reportCsvFiles(data))) {
    const p = join(outDir, name);
    await writeFile(p, text, 'utf8');
    csv.push(p);
  }
  return { html, markdown, json, csv };
}
