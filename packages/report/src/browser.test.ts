import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { SEED_DATA_DIR, TEST_RESULTS_DIR } from './__fixtures__/paths.js';
import { genotypeCellGraphs, type DartsFamilyGenotype } from './cell-graph.js';
import { paperReanalysis } from './paper-reanalysis.js';
import type { SearchJobCost } from './search-cost.js';
import { buildStudyReport, type StudyRun } from './study-report.js';
import { writeReport } from './write-report.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Opens a report in headless Chromium, blocking every non-file request; returns console errors and blocked URLs. */
async function inChromium(html: string, check: (page: Page) => Promise<void>): Promise<{ errors: string[]; external: string[] }> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get update && apt-get install -y chromium) to run this test.`);
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
  const errors: string[] = [];
  const external: string[] = [];
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:')) return route.continue();
      external.push(url);
      return route.abort();
    });
    await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });
    await check(page);
  } finally {
    await browser.close();
  }
  return { errors, external };
}

/** Sizes of every inline SVG as the browser laid it out (0 × 0 = not rendered). */
const svgBoxes = (page: Page) =>
  page.locator('svg').evaluateAll((els) => els.map((e) => ({ w: e.getBoundingClientRect().width, h: e.getBoundingClientRect().height, children: e.childElementCount })));

describe('paper re-analysis HTML in headless Chromium', () => {
  it('renders every chart as SVG, with no console error and no network request', async () => {
    const outDir = join(TEST_RESULTS_DIR, 'paper-reanalysis');
    await mkdir(outDir, { recursive: true });
    const data = await paperReanalysis(SEED_DATA_DIR, { resamples: 2000, permutations: 2000 });
    const written = await writeReport(outDir, data);
    const { errors, external } = await inChromium(written.html, async (page) => {
      const charts = await page.locator('figure.chart > svg').count();
      // RI chart + search cost (Figure 2) + 5 distributions + op-set histograms + ablation + 2 slope charts + cell-count + curves + τ-by-epoch.
      expect(charts).toBe(14);
      const marks = await page.locator('figure.chart svg path, figure.chart svg line, figure.chart svg rect').count();
      expect(marks).toBeGreaterThan(500);
      const tables = await page.locator('table').count();
      expect(tables).toBe(7);
      await expect(page.locator('section.warnings li').count()).resolves.toBe(data.warnings.length);
      expect(await page.title()).toContain('NAS evaluation is frustratingly hard');
      await page.screenshot({ path: join(TEST_RESULTS_DIR, 'paper-reanalysis.png'), fullPage: true });
    });
    expect(errors).toEqual([]);
    expect(external).toEqual([]);
  }, 90_000);
});

/** quark0/darts `genotypes.py` DARTS_V2 and DARTS_V1, edge order as written there. */
const DARTS_V2: DartsFamilyGenotype = {
  normal: [['sep_conv_3x3', 0], ['sep_conv_3x3', 1], ['sep_conv_3x3', 0], ['sep_conv_3x3', 1], ['sep_conv_3x3', 1], ['skip_connect', 0], ['skip_connect', 0], ['dil_conv_3x3', 2]],
  normalConcat: [2, 3, 4, 5],
  reduce: [['max_pool_3x3', 0], ['max_pool_3x3', 1], ['skip_connect', 2], ['max_pool_3x3', 1], ['max_pool_3x3', 0], ['skip_connect', 2], ['skip_connect', 2], ['max_pool_3x3', 1]],
  reduceConcat: [2, 3, 4, 5],
};
const DARTS_V1: DartsFamilyGenotype = {
  normal: [['sep_conv_3x3', 1], ['sep_conv_3x3', 0], ['skip_connect', 0], ['sep_conv_3x3', 1], ['skip_connect', 0], ['sep_conv_3x3', 1], ['sep_conv_3x3', 0], ['skip_connect', 2]],
  normalConcat: [2, 3, 4, 5],
  reduce: [['max_pool_3x3', 0], ['max_pool_3x3', 1], ['skip_connect', 2], ['max_pool_3x3', 0], ['max_pool_3x3', 0], ['skip_connect', 2], ['skip_connect', 2], ['avg_pool_3x3', 0]],
  reduceConcat: [2, 3, 4, 5],
};

describe('study report HTML in headless Chromium', () => {
  it('renders cell diagrams, the search-cost chart and integer-epoch curves, with no console error', async () => {
    const runs: StudyRun[] = [];
    for (let i = 0; i < 4; i++) {
      const random = [60 + i, 63 + i];
      const searched = [61 + i, 64 + i * 0.5];
      runs.push({ dataset: 'fashion-mnist', method: 'darts', kind: 'random', run: i, accuracy: random[1]!, curve: random });
      runs.push({ dataset: 'fashion-mnist', method: 'darts', kind: 'searched', run: i, accuracy: searched[1]!, curve: searched });
    }
    const searchCosts: SearchJobCost[] = [0, 1].flatMap((seed) => [
      { dataset: 'fashion-mnist', method: 'random-sampling', kind: 'random' as const, seed, wallSeconds: 0.4 + seed, device: 'CPU' as const },
      { dataset: 'fashion-mnist', method: 'darts', kind: 'searched' as const, seed, wallSeconds: 95 + 20 * seed, device: 'CPU' as const, backend: 'libtorch' },
    ]);
    const architectures = [DARTS_V1, DARTS_V2, DARTS_V1].map((g, i) => ({
      title: `fashion-mnist / ${i < 2 ? 'random-sampling' : 'darts'} / seed 0 #${i}`,
      dataset: 'fashion-mnist',
      method: i < 2 ? 'random-sampling' : 'darts',
      kind: i < 2 ? ('random' as const) : ('searched' as const),
      accuracy: 63 + i,
      cells: genotypeCellGraphs(g),
    }));
    const data = buildStudyReport({ title: 'toy study', datasets: ['fashion-mnist'], runs, searchCosts, architectures, options: { resamples: 500, permutations: 500 } });
    const outDir = join(TEST_RESULTS_DIR, 'study-report');
    await mkdir(outDir, { recursive: true });
    const written = await writeReport(outDir, data);
    const { errors, external } = await inChromium(written.html, async (page) => {
      // Every inline SVG has a size and content in the page.
      const boxes = await svgBoxes(page);
      expect(boxes.length).toBe(2 * 3 + 1 + 1 + 1 + 2 * 2);
      for (const b of boxes) {
        expect(b.w).toBeGreaterThan(100);
        expect(b.h).toBeGreaterThan(80);
        expect(b.children).toBeGreaterThan(0);
      }
      // Cell diagrams: 2 per architecture, 7 nodes and 12 edges each, op labels as text.
      expect(await page.locator('figure.cells').count()).toBe(3);
      const diagrams = page.locator('figure.cells svg.cell-diagram');
      expect(await diagrams.count()).toBe(6);
      expect(await page.locator('#cells-1 svg.cell-diagram').first().locator('g.node').count()).toBe(7);
      expect(await page.locator('#cells-1 svg.cell-diagram').first().locator('path.edge').count()).toBe(12);
      const labels = await page.locator('#cells-1 svg.cell-diagram').first().locator('text.edge-label').allTextContents();
      expect(labels.sort()).toEqual(['dil_conv_3x3', 'sep_conv_3x3', 'sep_conv_3x3', 'sep_conv_3x3', 'sep_conv_3x3', 'sep_conv_3x3', 'skip_connect', 'skip_connect']);
      // Nothing of a diagram is drawn outside it (the browser's own bounding boxes).
      const overflow = await diagrams.evaluateAll((els) =>
        els.flatMap((svg, i) => {
          const box = svg.getBoundingClientRect();
          return [...svg.querySelectorAll(':scope > g path, :scope > g rect, :scope > g text')]
            .map((e) => e.getBoundingClientRect())
            .filter((r) => r.left < box.left - 1 || r.top < box.top - 1 || r.right > box.right + 1 || r.bottom > box.bottom + 1)
            .map((r) => `diagram ${i}: ${JSON.stringify(r)}`);
        }),
      );
      expect(overflow).toEqual([]);
      // Nodes of a cell do not overlap (dagre placed them).
      const rects = await page.locator('#cells-1 svg.cell-diagram').first().locator('g.node rect').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().toJSON()));
      for (const [i, a] of rects.entries()) {
        for (const b of rects.slice(i + 1)) expect(a.right <= b.left || b.right <= a.left || a.bottom <= b.top || b.bottom <= a.top).toBe(true);
      }
      // Search cost: table column, the table and the scatter.
      expect(await page.locator('table').first().locator('th').last().textContent()).toBe('search cost');
      expect(await page.locator('#search-cost-0 svg').count()).toBe(1);
      expect(await page.locator('#search-cost-0 svg text').allTextContents()).toContain('search wall time per search (s, log scale)');
      // Two-epoch curves: ticks 1 and 2, nothing in between.
      const ticks = await page.locator('#curve-0 svg g.role-axis-label').first().locator('text').allTextContents();
      expect(ticks).toEqual(['1', '2']);
      await page.screenshot({ path: join(TEST_RESULTS_DIR, 'study-report.png'), fullPage: true });
    });
    expect(errors).toEqual([]);
    expect(external).toEqual([]);
  }, 90_000);
});
