#!/usr/bin/env node
/**
 * Parameters and multiply-adds of the published architectures of the P-DARTS, CNAS and NAO
 * spaces at their evaluation sizes (CIFAR: 20 cells, 32×32; Sport8/MIT67/Flowers102: 8 cells,
 * 224×224), through each space's cost function (`pdartsCost`, `cnasCost`, `naoCost`). The
 * parameter counts are analytic (the tests check them against the reference); FLOPs run one image
 * through the built network on the chosen backend. Prints a Markdown table. Not a test.
 *
 *   npm run build && node bench/space-costs/run.mjs [--backend libtorch] [--threads 2] [--space pdarts|cnas|nao]
 */
import { activateBackend } from '../lib/darts-train-step.mjs';
import { option } from '../lib/options.mjs';

const backend = option('backend', 'libtorch');
const threads = Number(option('threads', '2'));
const only = option('space', undefined);

const why = await activateBackend(backend, threads);
if (why) throw new Error(`backend ${backend}: ${why}`);

const pdarts = await import('@naslab/space-pdarts');
const cnas = await import('@naslab/space-cnas');
const nao = await import('@naslab/space-nao');
const { pdartsCost } = await pdarts.loadPdartsNetwork();
const { cnasCost } = await cnas.loadCnasNetwork();
const { naoCost } = await nao.loadNaoNetwork();

const cifar = (classes, channels = 36) => ({ label: `C${classes === 10 ? 10 : 100}, ${channels} ch, 20 cells`, size: { channels, cells: 20, classes, inputShape: [32, 32, 3] } });
const large = (classes, name, channels = 36) => ({ label: `${name}, 224 px, ${channels} ch, 8 cells`, size: { channels, cells: 8, classes, inputShape: [224, 224, 3] } });
const sizes = [cifar(10), cifar(100), large(8, 'Sport8'), large(67, 'MIT67'), large(102, 'Flowers102')];

const rows = [
  ...sizes.map((s) => ['pdarts', 'PDARTS', s, () => pdartsCost(pdarts.PDARTS, s.size)]),
  ...sizes.map((s) => ['cnas', 'DARTS_MORE_V4', s, () => cnasCost(cnas.DARTS_MORE_V4, s.size)]),
  ...[cifar(10, 32), cifar(10, 48)].map((s) => ['cnas', 'DARTS_MORE_V4 (groups 4)', s, () => cnasCost(cnas.DARTS_MORE_V4, s.size, { shuffleGroups: 4 })]),
  ...['NAONet-B', 'NAONet-WS', 'NAONet-A'].flatMap((name) =>
    sizes.map((s) => ['nao', name, s, () => naoCost(nao.NAO_ARCHS[name], s.size)]),
  ),
].filter(([space]) => !only || space === only);

const n = (x) => x.toLocaleString('en-US');
console.log(`backend ${backend}, ${threads} threads\n`);
console.log('| space | architecture | size | parameters | multiply-adds | seconds |');
console.log('|---|---|---|---|---|---|');
for (const [space, name, s, cost] of rows) {
  const t0 = performance.now();
  const c = cost();
  console.log(`| ${space} | ${name} | ${s.label} | ${n(c.params)} | ${n(c.flops)} (${(c.flops / 1e6).toFixed(1)} M) | ${((performance.now() - t0) / 1000).toFixed(1)} |`);
}
