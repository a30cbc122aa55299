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

/**
 * Writes `index.html` (self-contained, inline SVG), `report.md`, `report-data.json`
 * and one CSV per table into `outDir` (created if needed).
 */
export async function writeReport(outDir: string, data: ReportData): Promise<WrittenReport> {
  await mkdir(outDir, { recursive: true });
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
