#!/usr/bin/env node
/**
 * The README's report screenshots: opens a written report in headless Chromium (no network) and
 * saves as PNG the page's top, the `--height` pixels from a section's heading on (`--section`),
 * or the whole page (`--full`).
 *
 *   npx naslab report --paper ../shared/seed-data --out paper-report
 *   node docs/screenshot-report.mjs paper-report/index.html docs/paper-reanalysis-report.png \
 *     --section 'Accuracy distributions: random vs searched' --height 760
 *   node docs/screenshot-report.mjs <store>/reports/quickstart/<report>.html docs/quickstart-report.png --full
 *
 * Chromium: /usr/bin/chromium (Debian's `chromium`), or the path in CHROMIUM.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const args = process.argv.slice(2);
const flag = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i < 0 ? fallback : args.splice(i, 2)[1];
};
const width = Number(flag('width', '1280'));
const height = Number(flag('height', '760'));
const section = flag('section', undefined);
const full = args.includes('--full');
const [html, png] = args.filter((a) => a !== '--full');
if (!html || !png || !existsSync(html)) {
  console.error('usage: node docs/screenshot-report.mjs <report.html> <out.png> [--width 1280] [--height 760] [--section <heading>] [--full]');
  process.exit(2);
}
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
try {
  const page = await browser.newPage({ viewport: { width, height } });
  // A report is self-contained: any request beyond the file is a bug, not something to wait for.
  await page.route('**/*', (route) => (route.request().url().startsWith('file:') ? route.continue() : route.abort()));
  await page.goto(pathToFileURL(resolve(html)).href, { waitUntil: 'load' });
  if (section) {
    const heading = page.locator('h1, h2, h3', { hasText: section }).first();
    if ((await heading.count()) === 0) throw new Error(`${html}: no heading "${section}"`);
    const box = await heading.boundingBox();
    const top = Math.max(0, box.y + (await page.evaluate(() => window.scrollY)) - 20);
    await page.screenshot({ path: png, fullPage: true, clip: { x: 0, y: top, width, height } });
  } else await page.screenshot({ path: png, fullPage: full });
  console.log(`${png}: ${width} × ${full ? 'full page' : height}${section ? ` from "${section}"` : ''}`);
} finally {
  await browser.close();
}
