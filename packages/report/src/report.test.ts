import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCsv } from '@naslab/analysis';
import { describe, expect, it } from 'vitest';
import { SEED_DATA_DIR } from './__fixtures__/paths.js';
import { renderSvg, riChartSpec } from './charts.js';
import { renderHtml } from './html.js';
import { paperReanalysis } from './paper-reanalysis.js';
import { buildStudyReport, type StudyRun } from './study-report.js';
import { reportCsvFiles, reportToMarkdown } from './tables.js';
import { writeReport } from './write-report.js';

const paper = await paperReanalysis(SEED_DATA_DIR, { resamples: 1000, permutations: 1000 });

describe('paperReanalysis', () => {
  it('builds the RI table, the Table 1 comparison and the side studies', () => {
    expect(paper.ri?.rows).toHaveLength(40);
    expect(paper.paperComparison?.filter((c) => c.status === 'match')).toHaveLength(36);
    expect(paper.rankStudies?.map((r) => r.comparison.kendallTauB.toFixed(2))).toEqual(['0.48', '0.54']);
    expect(paper.ablation?.table.rows[0].mean.toFixed(2)).toBe('94.96');
    expect(paper.groupStudies?.[0].summaries.map((s) => s.group)).toEqual(['4', '6', '8', '12', '16', '20', '24']);
    expect(paper.curveStudies?.[0].aggregate.epochs).toBe(600);
    expect(paper.distributions).toHaveLength(5 * 8 * 16 - 8);
    // Section 5.2: DARTS' ops vs the modified set, 0.18 points at the final epoch.
    expect(paper.spaceComparisons?.[0]).toMatchObject({ labelA: 'DARTS ops (214)', labelB: 'modified ops (56)' });
    expect(paper.spaceComparisons![0]!.shift).toBeCloseTo(0.18, 2);
  });

  it("sets Figure 2's search cost (GPU-days on CIFAR10) beside the released CIFAR10 accuracies", () => {
    const cost = Object.fromEntries((paper.searchCost ?? []).map((c) => [c.method, c]));
    expect(Object.keys(cost).sort()).toEqual(['CNAS', 'DARTS', 'ENAS', 'MANAS', 'NAO', 'NSGANET', 'PDARTS', 'StacNAS']);
    expect(cost.DARTS).toMatchObject({ dataset: 'CIFAR10', device: 'GPU', searches: null, n: 8 });
    expect(cost.DARTS!.gpuHours).toBeCloseTo(7.2, 10);
    expect(cost.NSGANET!.gpuHours).toBeCloseTo(96, 10);
    const darts = paper.ri!.rows.find((r) => r.dataset === 'CIFAR10' && r.method === 'DARTS')!;
    expect(cost.DARTS!.accuracyMean).toBeCloseTo(darts.meanMethod!, 10);
    const md = reportToMarkdown(paper);
    expect(md).toMatch(/\| CIFAR10 \| DARTS \| 8\/8 \|.*\| 7 h 12 min \(7\.20 GPU-h\) \|/);
    expect(md).toContain("GPU-days on CIFAR10 from the paper's Figure 2");
  });

  it('warns about every discrepancy with the paper instead of patching it', () => {
    const w = paper.warnings.join('\n');
    expect(w).toMatch(/CIFAR100 \/ PDARTS: paper 1\.20, data 2\.00/);
    expect(w).toMatch(/CIFAR100 \/ StacNAS: paper 2\.87, data no value/);
    expect(w).toMatch(/Flowers102 \/ DARTS: paper 0\.25, data 0\.20/);
    expect(w).toMatch(/Flowers102: method columns are in a different order/);
    expect(w).toMatch(/"MANAS-LS" read as method "MANAS"/);
  });

  it('fails clearly on a wrong directory', async () => {
    await expect(paperReanalysis(join(tmpdir(), 'no-such-seed-data'))).rejects.toThrow(/seed-data directory/);
  });
});

describe('renderers', () => {
  it('Vega-Lite charts render to standalone SVG', async () => {
    const svg = await renderSvg(riChartSpec(paper.ri!.rows, 0.95));
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('CIFAR10');
    expect(svg).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
  });

  it('HTML is self-contained: inline SVG, no script, no external resource', async () => {
    const html = await renderHtml(paper);
    expect((html.match(/<svg/g) ?? []).length).toBe(14);
    expect(html).not.toMatch(/<script|<link|src=/i);
    expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org)/);
  }, 30_000);

  it('Markdown and CSV tables', () => {
    const md = reportToMarkdown(paper);
    expect(md).toContain('| CIFAR10 | DARTS | 8/8 |');
    expect(md).toContain('## Warnings');
    const files = reportCsvFiles(paper);
    expect(Object.keys(files).sort()).toEqual(['ablation.csv', 'group-studies.csv', 'paper-table1-comparison.csv', 'rank-studies.csv', 'ri.csv', 'search-cost.csv', 'space-comparison.csv']);
    const ri = parseCsv(files['ri.csv']);
    expect(ri[0].slice(0, 13)).toEqual([
      'dataset', 'method', 'n_random', 'n_method', 'mean_random', 'mean_method', 'std_random', 'std_method', 'ri', 'ci_low', 'ci_high', 'p_welch', 'p_permutation',
    ]);
    expect(ri).toHaveLength(41);
  });
});

describe('buildStudyReport', () => {
  const runs: StudyRun[] = [];
  for (let i = 0; i < 6; i++) {
    const curveR = Array.from({ length: 20 }, (_, e) => 50 + e * 2 + i * 0.3);
    const curveS = Array.from({ length: 20 }, (_, e) => 51 + e * 2 + i * 0.2);
    runs.push({ dataset: 'cifar10', method: 'local-search', kind: 'random', run: i, accuracy: curveR[19], curve: curveR });
    runs.push({ dataset: 'cifar10', method: 'local-search', kind: 'searched', run: i, accuracy: Number.NaN, curve: curveS });
  }
  runs.push({ dataset: 'other', method: 'x', kind: 'random', run: 0, accuracy: 1 });

  it('turns stored runs into report data (curves scored when accuracy is missing)', async () => {
    const data = buildStudyReport({
      title: 'toy study',
      datasets: [{ name: 'cifar10', label: 'CIFAR-10' }],
      runs,
      ablation: { protocols: [{ protocol: 'base', values: [1, 2, 3] }, { protocol: 'cutout', values: [2, 3, 4] }] },
      options: { resamples: 200, permutations: 200 },
    });
    expect(data.ri?.rows).toHaveLength(1);
    const row = data.ri!.rows[0];
    expect(row).toMatchObject({ dataset: 'CIFAR-10', nRandom: 6, nMethod: 6 });
    expect(row.meanMethod).toBeCloseTo(51 + 38 + 0.5, 10);
    expect(data.warnings).toContain('runs of dataset "other" ignored: not in the report\'s dataset list.');
    expect(data.curveStudies).toHaveLength(2);
    expect(data.ablation?.table.rows[1].deltaVsBase).toBe(1);
    const dir = await mkdtemp(join(tmpdir(), 'naslab-report-'));
    try {
      const w = await writeReport(dir, data);
      const html = await readFile(w.html, 'utf8');
      expect((html.match(/<svg/g) ?? []).length).toBe(1 + 1 + 1 + 2 * 2);
      expect(w.csv.map((p) => p.slice(dir.length + 1)).sort()).toEqual(['ablation.csv', 'ri.csv']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("does not score a curve whose last epoch is missing by an earlier epoch ('final')", () => {
    const truncated: StudyRun = { dataset: 'cifar10', method: 'local-search', kind: 'searched', run: 'cut', accuracy: Number.NaN, curve: [50, 60, Number.NaN] };
    const data = buildStudyReport({ datasets: ['cifar10'], runs: [...runs.slice(0, 12), truncated], options: { resamples: 50, permutations: 50 } });
    expect(data.distributions!.some((d) => Number.isNaN(d.accuracy))).toBe(true);
    expect(data.distributions!.some((d) => d.accuracy === 60)).toBe(false);
    expect(data.warnings.some((w) => /cut: its curve's last epoch is missing/.test(w))).toBe(true);
  });
});
