import { describe, expect, it } from 'vitest';
import { formatCsv, parseCsv } from './csv.js';
import { detectResultsFormat, importResults, parseLongFormat, parsePaperLayout } from './import-results.js';
import { analyzeRelativeImprovement } from './relative-improvement.js';
import { formatRiAnalysis, RI_COLUMNS } from './ri-table-format.js';

const PAPER = 'Random A,A,Random B ,B\n90,91,80,\n92,93,82,\n';
const LONG = [
  'dataset,method,kind,run,accuracy',
  'toy,A,random,1,90',
  'toy,A,random,2,92',
  'toy,A,searched,1,91',
  'toy,A,searched,2,93',
  'toy,A,searched,3,oops',
  'toy,B,best,1,99',
].join('\n');

describe('CSV', () => {
  it('round-trips quoted fields', () => {
    const text = formatCsv(['a', 'b'], [['x,y', 'say "hi"'], [1, null]]);
    expect(text).toBe('a,b\n"x,y","say ""hi"""\n1,\n');
    expect(parseCsv(text)).toEqual([['a', 'b'], ['x,y', 'say "hi"'], ['1', '']]);
    expect(parseCsv('a,b\r\n1,2\r\n\r\n')).toEqual([['a', 'b'], ['1', '2']]);
  });
});

describe('import', () => {
  it('paper layout: pairs by name, skips empty cells, warns on empty columns', () => {
    const r = parsePaperLayout(PAPER, 'toy');
    expect(r.methodOrder).toEqual(['A', 'B']);
    expect(r.records.filter((x) => x.method === 'A')).toHaveLength(4);
    expect(r.records.filter((x) => x.method === 'B' && x.kind === 'random').map((x) => x.accuracy)).toEqual([80, 82]);
    expect(r.warnings).toEqual(['toy: column "B" has no per-run values.']);
  });

  it('long format: validates kind and accuracy', () => {
    const r = parseLongFormat(LONG);
    expect(r.records).toHaveLength(4);
    expect(r.warnings).toHaveLength(2);
    expect(() => parseLongFormat('dataset,method\nx,y')).toThrow(/missing column/);
  });

  it('detects the format', () => {
    expect(detectResultsFormat(LONG)).toBe('long');
    expect(detectResultsFormat(PAPER)).toBe('paper');
    expect(importResults(LONG, 'ignored').records[0].dataset).toBe('toy');
  });
});

describe('RI output formats', () => {
  const a = analyzeRelativeImprovement(parsePaperLayout(PAPER, 'toy').records, { resamples: 200, permutations: 200 });
  it('csv has one row per dataset × method with the required columns', () => {
    const rows = parseCsv(formatRiAnalysis(a, 'csv'));
    expect(rows[0]).toEqual([...RI_COLUMNS]);
    expect(rows).toHaveLength(3);
    const A = Object.fromEntries(rows[0].map((h, i) => [h, rows[1][i]]));
    expect(A).toMatchObject({ dataset: 'toy', method: 'A', n_random: '2', n_method: '2', mean_random: '91', mean_method: '92' });
    expect(Number(A.ri)).toBeCloseTo((100 * 1) / 91, 12);
    expect(Number(A.std_random)).toBeCloseTo(Math.SQRT2, 12); // ddof 1
    const B = Object.fromEntries(rows[0].map((h, i) => [h, rows[2][i]]));
    expect(B.ri).toBe('');
  });
  it('json and md carry the settings and the warnings', () => {
    const j = JSON.parse(formatRiAnalysis(a, 'json'));
    expect(j.settings).toMatchObject({ ddof: 1, resamples: 200, permutations: 200, confidence: 0.95 });
    expect(j.rows[1].ri).toBeNull();
    const md = formatRiAnalysis(a, 'md');
    expect(md).toContain('| toy | A | 2/2 |');
    expect(md).toContain('ddof = 1');
    expect(md).toContain('toy / B: no searched-architecture runs');
  });
  it('default settings: 10,000 resamples and permutations, deterministic', () => {
    const recs = parsePaperLayout(PAPER, 'toy').records;
    const x = analyzeRelativeImprovement(recs);
    expect(x.settings).toMatchObject({ resamples: 10_000, permutations: 10_000, ddof: 1, seed: 0 });
    expect(analyzeRelativeImprovement(recs)).toEqual(x);
  });
});
