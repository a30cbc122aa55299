import { describe, expect, it } from 'vitest';
import { renderHtml } from './html.js';
import { latencyTable } from './latency.js';
import { buildStudyReport, type StudyRun } from './study-report.js';
import { reportCsvFiles, reportToMarkdown } from './tables.js';

const run = (kind: 'random' | 'searched', i: number, accuracy: number, latencyMs?: number): StudyRun => ({
  dataset: 'fmnist',
  method: 'single-path',
  kind,
  run: `seed ${i}`,
  accuracy,
  ...(latencyMs === undefined ? {} : { latencyMs, arch: `arch ${kind} ${i}` }),
});

describe('latency in study reports', () => {
  const runs = [run('random', 0, 80, 60), run('random', 1, 82, 70), run('random', 2, 81, 50), run('searched', 0, 84, 45.5), run('searched', 1, 83, 40)];

  it('puts each searched architecture’s latency next to its accuracy, and the random samples’ mean and range', () => {
    const data = buildStudyReport({ datasets: ['fmnist'], runs, options: { resamples: 200, permutations: 200 } });
    expect(data.latency?.points).toHaveLength(5);
    const t = latencyTable(data.latency!);
    expect(t.rows).toEqual([
      ['fmnist', 'single-path', 'searched', 'seed 0', '84.00', '45.50', 'arch searched 0'],
      ['fmnist', 'single-path', 'searched', 'seed 1', '83.00', '40.00', 'arch searched 1'],
      ['fmnist', 'single-path', 'random', 'mean of 3', '81.00', '60.00 (50.00–70.00)', ''],
    ]);
    expect(reportToMarkdown(data)).toContain('| fmnist | single-path | searched | seed 0 | 84.00 | 45.50 |');
    expect(reportCsvFiles(data)['latency.csv']).toContain('fmnist,single-path,searched,seed 1,83,40,arch searched 1');
  });

  it('draws the accuracy–latency scatter with the random samples beside the searched architectures', async () => {
    const data = buildStudyReport({ datasets: ['fmnist'], runs, options: { resamples: 200, permutations: 200 } });
    const html = await renderHtml(data);
    expect(html).toContain('<h2>Accuracy and latency</h2>');
    const figure = /<figure id="latency-0" class="chart">([\s\S]*?)<\/figure>/.exec(html)?.[1] ?? '';
    expect(figure).toContain('<svg');
    expect(figure).toContain('predicted latency (ms)');
    // One point per run: 3 random, 2 searched.
    expect((figure.match(/<path [^>]*aria-roledescription="point"/g) ?? []).length).toBe(5);
  });

  it('has no latency section when no run has a latency', async () => {
    const data = buildStudyReport({ datasets: ['fmnist'], runs: runs.map(({ latencyMs: _l, ...r }) => r), options: { resamples: 200, permutations: 200 } });
    expect(data.latency).toBeUndefined();
    expect(await renderHtml(data)).not.toContain('Accuracy and latency');
    expect(reportCsvFiles(data)['latency.csv']).toBeUndefined();
  });
});
