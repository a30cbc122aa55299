import { describe, expect, it } from 'vitest';
import { renderSvg } from './charts.js';
import { renderHtml } from './html.js';
import { architecturesTrainedOf, formatArchitecturesTrained, formatDuration, formatSearchCost, searchCostSpec, summarizeSearchCost, supernetParametersOf, type SearchJobCost } from './search-cost.js';
import { buildStudyReport, type StudyRun } from './study-report.js';
import { reportCsvFiles, reportToMarkdown, riTable, searchCostTable } from './tables.js';

const costs: SearchJobCost[] = [
  { dataset: 'cifar10', method: 'random-sampling', kind: 'random', seed: 0, wallSeconds: 2, device: 'CPU' },
  { dataset: 'cifar10', method: 'random-sampling', kind: 'random', seed: 1, wallSeconds: 4, device: 'CPU' },
  { dataset: 'cifar10', method: 'darts', kind: 'searched', seed: 0, wallSeconds: 3600, device: 'GPU', backend: 'tfjs-node-gpu' },
  { dataset: 'cifar10', method: 'darts', kind: 'searched', seed: 1, wallSeconds: 5400, device: 'GPU', backend: 'tfjs-node-gpu' },
  { dataset: 'cifar10', method: 'local-search', kind: 'searched', seed: 0, wallSeconds: 90, device: 'CPU', backend: 'libtorch' },
];
// Random runs are listed once per searched method (as the CLI pairs them); the cost counts them once.
const runs: StudyRun[] = [];
for (const [i, acc] of [80, 82, 84, 86].entries()) {
  for (const method of ['darts', 'local-search']) runs.push({ dataset: 'cifar10', method, kind: 'random', run: `r${i}`, accuracy: acc });
}
runs.push({ dataset: 'cifar10', method: 'darts', kind: 'searched', run: 0, accuracy: 88 }, { dataset: 'cifar10', method: 'darts', kind: 'searched', run: 1, accuracy: 90 });
runs.push({ dataset: 'cifar10', method: 'local-search', kind: 'searched', run: 0, accuracy: 85 }, { dataset: 'cifar10', method: 'local-search', kind: 'searched', run: 1, accuracy: 87 });

describe('search cost', () => {
  const rows = summarizeSearchCost(costs, runs);

  it('sums wall time per method, GPU-hours only for GPU searches, beside the accuracy of its architectures', () => {
    expect(rows.map((r) => r.method)).toEqual(['random-sampling', 'darts', 'local-search']);
    const [random, darts, ls] = rows;
    expect(random).toMatchObject({ searches: 2, meanSeconds: 3, totalSeconds: 6, device: 'CPU', gpuHours: null, n: 4, accuracyMean: 83 });
    expect(random!.accuracyStd).toBeCloseTo(Math.sqrt(20 / 3), 12);
    expect(darts).toMatchObject({ searches: 2, meanSeconds: 4500, device: 'GPU', gpuHours: 2.5, backends: ['tfjs-node-gpu'], n: 2, accuracyMean: 89 });
    expect(ls).toMatchObject({ device: 'CPU', gpuHours: null, backends: ['libtorch'], accuracyMean: 86 });
  });

  it('the supernet size the histories record: the largest per method, a column only where one is known', () => {
    expect(supernetParametersOf({ supernetParameters: 1200 })).toBe(1200);
    expect(supernetParametersOf({ supernetParameters: [300, 900] })).toBe(900); // StacNAS: one per stage
    expect(supernetParametersOf({ stages: [{ supernetParameters: 500 }, { supernetParameters: 700 }] })).toBe(700); // P-DARTS
    expect(supernetParametersOf({ backend: 'cpu' })).toBeUndefined();
    expect(supernetParametersOf(null)).toBeUndefined();
    const sized = summarizeSearchCost(
      [...costs.slice(0, 2), { ...costs[2]!, supernetParameters: 1_930_000 }, { ...costs[3]!, supernetParameters: 1_940_000 }],
      runs,
    );
    expect(sized.map((r) => r.supernetParameters)).toEqual([undefined, 1_940_000]);
    const table = searchCostTable(sized);
    const col = table.header.indexOf('supernet params');
    expect(table.rows.map((r) => r[col])).toEqual(['–', '1,940,000']);
    expect(searchCostTable(rows).header).not.toContain('supernet params');
  });

  it('with a random baseline per space, pairs each baseline’s cost with its own samples', () => {
    const twoSpaces: SearchJobCost[] = [
      { dataset: 'cifar10', method: 'random', kind: 'random', seed: 0, wallSeconds: 2, device: 'CPU' },
      { dataset: 'cifar10', method: 'random@pdarts', kind: 'random', seed: 0, wallSeconds: 3, device: 'CPU' },
    ];
    // Same run names in both spaces: only `baseline` tells them apart.
    const sampled: StudyRun[] = [
      { dataset: 'cifar10', method: 'darts', kind: 'random', baseline: 'random', run: 'seed 0 #0', accuracy: 80 },
      { dataset: 'cifar10', method: 'darts-on-pdarts', kind: 'random', baseline: 'random@pdarts', run: 'seed 0 #0', accuracy: 70 },
    ];
    expect(summarizeSearchCost(twoSpaces, sampled).map((r) => [r.method, r.n, r.accuracyMean])).toEqual([
      ['random', 1, 80],
      ['random@pdarts', 1, 70],
    ]);
  });

  it('what each search trained, from its stored result: the method’s count, benchmark queries, supernets, samples', () => {
    expect(architecturesTrainedOf({ cost: { queries: 900, trained: { count: 900, unit: 'children' } } }, false)).toEqual({ count: 900, unit: 'children' });
    expect(architecturesTrainedOf({ cost: { wallSeconds: 3, queries: 200 } }, false)).toEqual({ count: 200, unit: 'queries' }); // core's count
    expect(architecturesTrainedOf({ cost: {}, history: { stages: [{ supernetParameters: 5 }, { supernetParameters: 7 }, { supernetParameters: 9 }] } }, false)).toEqual({ count: 3, unit: 'supernet' }); // P-DARTS
    expect(architecturesTrainedOf({ cost: {}, architectures: ['a', 'b', 'c'] }, true)).toEqual({ count: 3, unit: 'sampled' });
    expect(architecturesTrainedOf({ cost: {}, architectures: ['a'] }, false)).toBeUndefined();
    expect(architecturesTrainedOf({ cost: { trained: { count: 1, unit: 'bogus' } } }, false)).toBeUndefined();
    expect([1, 3].map((count) => formatArchitecturesTrained({ count, unit: 'supernet' }))).toEqual(['1 supernet', '3 supernets']);
    expect(formatArchitecturesTrained({ count: 1250, unit: 'children' })).toBe('1,250 sampled children');
    expect(formatArchitecturesTrained({ count: 24.5, unit: 'candidates' })).toBe('24.5 candidates');
  });

  it('shows architectures trained per search and the published GPU-days in the Markdown, HTML and CSV', async () => {
    const published = { gpuDays: 0.3, source: 'Yang et al. 2020, Fig. 2 (CIFAR10)' };
    const counted: SearchJobCost[] = [
      { ...costs[0]!, trained: { count: 2, unit: 'sampled' } },
      { ...costs[1]!, trained: { count: 2, unit: 'sampled' } },
      { ...costs[2]!, trained: { count: 1, unit: 'supernet' }, published },
      { ...costs[3]!, trained: { count: 1, unit: 'supernet' }, published },
      { ...costs[4]!, trained: { count: 200, unit: 'queries' } },
    ];
    const data = buildStudyReport({ datasets: ['cifar10'], runs, searchCosts: counted, options: { resamples: 200, permutations: 200 } });
    const md = reportToMarkdown(data);
    expect(md).toContain('| dataset | method | searches | wall time per search | total wall time | device | GPU-hours | backend | trained per search | GPU-days (published) | n | accuracy mean ± std |');
    expect(md).toContain('| cifar10 | darts | 2 | 1 h 15 min | 2 h 30 min | GPU | 2.500 | tfjs-node-gpu | 1 supernet | 0.3 | 2 | 89.00 ± 1.41 |');
    expect(md).toContain('| cifar10 | local-search | 1 | 1 min 30 s | 1 min 30 s | CPU | CPU | libtorch | 200 queries | – |');
    expect(md).toContain('| cifar10 | random-sampling | 2 | 3.0 s | 6.0 s | CPU | CPU | – | none (2 sampled) | – |');
    expect(md).toContain('(darts: Yang et al. 2020, Fig. 2 (CIFAR10))');
    const html = await renderHtml(data);
    expect(html).toContain('<th>trained per search</th>');
    expect(html).toContain('<td>1 supernet</td>');
    const csv = reportCsvFiles(data)['search-cost.csv']!.trim().split('\n');
    expect(csv[2]).toContain(',tfjs-node-gpu,1,supernet,0.3,"Yang et al. 2020, Fig. 2 (CIFAR10)",2,89,');
    expect(csv[3]).toContain(',libtorch,200,queries,,,');
  });

  it('formats durations and the cost cell', () => {
    expect(formatDuration(4.25)).toBe('4.3 s');
    expect(formatDuration(185)).toBe('3 min 05 s');
    expect(formatDuration(7620)).toBe('2 h 07 min');
    expect(formatSearchCost(rows[1]!)).toBe('1 h 15 min (2.50 GPU-h)');
    expect(formatSearchCost(rows[2]!)).toBe('1 min 30 s (CPU)');
  });

  it('adds a cost column to the RI table, a cost table and search-cost.csv to the study report', () => {
    const data = buildStudyReport({ datasets: ['cifar10'], runs, searchCosts: costs, options: { resamples: 200, permutations: 200 } });
    expect(data.searchCost).toHaveLength(3);
    const ri = riTable(data.ri!, data.searchCost);
    expect(ri.header.at(-1)).toBe('search cost');
    expect(ri.rows.map((r) => `${r[1]}: ${r.at(-1)}`)).toEqual(['darts: 1 h 15 min (2.50 GPU-h)', 'local-search: 1 min 30 s (CPU)']);
    const md = reportToMarkdown(data);
    expect(md).toContain('| cifar10 | darts | 2 | 1 h 15 min | 2 h 30 min | GPU | 2.500 | tfjs-node-gpu | 2 | 89.00 ± 1.41 |');
    expect(md).toContain('| cifar10 | random-sampling | 2 | 3.0 s | 6.0 s | CPU | CPU | – | 4 | 83.00 ± 2.58 |');
    const csv = reportCsvFiles(data)['search-cost.csv']!.trim().split('\n');
    expect(csv[0]).toBe('dataset,method,kind,searches,mean_wall_seconds,total_wall_seconds,device,gpu_hours,backends,trained_per_search,trained_unit,published_gpu_days,published_source,n,accuracy_mean,accuracy_std');
    expect(csv).toHaveLength(4);
  });

  it('plots accuracy against cost, log-scaled when costs span orders of magnitude', async () => {
    const spec = searchCostSpec('cifar10', rows) as unknown as { layer: Array<{ encoding: { x: { title: string; scale: { type?: string } } } }> };
    expect(spec.layer[1]!.encoding.x.title).toBe('search wall time per search (min, log scale)');
    expect(spec.layer[1]!.encoding.x.scale.type).toBe('log');
    const svg = await renderSvg(searchCostSpec('cifar10', rows));
    for (const m of ['random-sampling', 'darts', 'local-search']) expect(svg).toContain(`>${m}<`);
  });
});
