import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { SEED_DATA_DIR, TEST_RESULTS_DIR } from './__fixtures__/paths.js';
import { paperReanalysis } from './paper-reanalysis.js';
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

describe('paper re-analysis HTML in headless Chromium', () => {
  it('renders every chart as SVG, with no console error and no network request', async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get update && apt-get install -y chromium) to run this test.`);
    }
    const outDir = join(TEST_RESULTS_DIR, 'paper-reanalysis');
    await mkdir(outDir, { recursive: true });
    const data = await paperReanalysis(SEED_DATA_DIR, { resamples: 2000, permutations: 2000 });
    const written = await writeReport(outDir, data);

    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, headless: true });
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors: string[] = [];
      const external: string[] = [];
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
      await page.goto(pathToFileURL(written.html).href, { waitUntil: 'load' });

      const charts = await page.locator('figure.chart > svg').count();
      // RI chart + 5 distributions + ablation + 2 slope charts + cell-count + curves + τ-by-epoch.
      expect(charts).toBe(12);
      const marks = await page.locator('figure.chart svg path, figure.chart svg line, figure.chart svg rect').count();
      expect(marks).toBeGreaterThan(500);
      const tables = await page.locator('table').count();
      expect(tables).toBe(5);
      await expect(page.locator('section.warnings li').count()).resolves.toBe(data.warnings.length);
      expect(await page.title()).toContain('NAS evaluation is frustratingly hard');
      await page.screenshot({ path: join(TEST_RESULTS_DIR, 'paper-reanalysis.png'), fullPage: true });
      expect(errors).toEqual([]);
      expect(external).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);
});
