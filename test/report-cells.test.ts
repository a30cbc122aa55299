import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { naslab, tempDir, toyManifest, writeManifest } from './helpers/cli.js';

// DARTS-space architectures from the toy fixture methods (the toy trainer stands in for training).
const manifest = `name: cells
seeds: 2
datasets:
  - id: '@naslab-fixtures/dataset-toy'
    name: toy0
    options: { size: 8 }
space: darts
methods:
  - id: '@naslab-fixtures/method-toy'
    name: random-sampling
    options: { outputs: 2 }
  - id: '@acme/naslab-method-foo'
    name: foo
trainer: '@naslab-fixtures/trainer-toy'
protocol: { epochs: 2 }
store: results
`;

interface CellJson {
  name: string;
  nodes: Array<{ id: string }>;
  edges: Array<{ from: string; to: string; label?: string }>;
}

/** `('op', input)` pairs of one cell of a DARTS genotype text, as "op@node" with visualize.py's node names. */
function cellEdges(text: string, cell: 'normal' | 'reduce'): string[] {
  const part = text.slice(text.indexOf(`${cell}=[`), text.indexOf(`${cell}_concat`));
  return [...part.matchAll(/\('(\w+)', (\d+)\)/g)].map(([, op, i]) => `${op}@${i === '0' ? 'c_{k-2}' : i === '1' ? 'c_{k-1}' : String(Number(i) - 2)}`);
}

describe('naslab run: the study report draws the stored cells and the search cost', () => {
  it('has both cells of every searched and sampled architecture and each method\'s search wall time', () => {
    const dir = tempDir();
    const r = naslab(['run', writeManifest(dir, 'study.yaml', manifest), '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    const db = new Database(join(dir, 'results', 'naslab.db'), { readonly: true });
    const searches = db.prepare("SELECT result, seconds, spec FROM jobs WHERE kind = 'search' AND status = 'done'").all() as Array<{ result: string; seconds: number; spec: string }>;
    db.close();
    const stored = searches.flatMap((s) => (JSON.parse(s.result) as { architectures: string[] }).architectures);
    expect(stored).toHaveLength(2 * 2 + 2);

    const data = JSON.parse(readFileSync(join(dir, 'results', 'reports', 'cells', 'report-data.json'), 'utf8')) as {
      architectures: Array<{ title: string; kind: string; cells: CellJson[] }>;
      searchCost: Array<{ method: string; searches: number; totalSeconds: number; device: string; gpuHours: number | null; trained?: { count: number; unit: string } }>;
    };
    expect(data.architectures).toHaveLength(stored.length);
    expect(data.architectures.filter((a) => a.kind === 'random')).toHaveLength(4);
    // Each diagram's op edges are the stored genotype's, cell by cell.
    const drawn = data.architectures.map((a) => a.cells.map((c) => c.edges.filter((e) => e.label).map((e) => `${e.label}@${e.from}`)));
    const expected = stored.map((t) => [cellEdges(t, 'normal'), cellEdges(t, 'reduce')]);
    expect(drawn.map((d) => JSON.stringify(d)).sort()).toEqual(expected.map((e) => JSON.stringify(e)).sort());
    for (const a of data.architectures) {
      expect(a.cells.map((c) => `${c.name}:${c.nodes.length}/${c.edges.length}`)).toEqual(['normal:7/12', 'reduction:7/12']);
    }

    const cost = Object.fromEntries(data.searchCost.map((c) => [c.method, c]));
    expect(Object.keys(cost).sort()).toEqual(['foo', 'random-sampling']);
    expect(cost['random-sampling']).toMatchObject({ searches: 2, device: 'CPU', gpuHours: null, trained: { count: 2, unit: 'sampled' } });
    const total = data.searchCost.reduce((a, c) => a + c.totalSeconds, 0);
    expect(total).toBeCloseTo(searches.reduce((a, s) => a + s.seconds, 0), 9);

    const html = readFileSync(join(dir, 'results', 'reports', 'cells', 'index.html'), 'utf8');
    expect((html.match(/<svg[^>]*class="cell-diagram"/g) ?? []).length).toBe(2 * stored.length);
    expect(html).toContain('<th>wall time per search</th>');
    expect(html).toContain('<td>none (2 sampled)</td>');
  });
});

describe("a space's own cellGraphs hook", () => {
  it('draws the cells the space describes (the toy space: one chain of its 4 slots)', () => {
    const dir = tempDir();
    const r = naslab(['run', writeManifest(dir, 'study.yaml', toyManifest({ name: 'toy-cells', seeds: 1, outputs: 2 })), '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    const data = JSON.parse(readFileSync(join(dir, 'results', 'reports', 'toy-cells', 'report-data.json'), 'utf8')) as {
      architectures: Array<{ title: string; cells: CellJson[] }>;
    };
    // random-sampling gives 2 architectures, foo 1.
    expect(data.architectures.map((a) => a.title)).toEqual(['toy0 / random-sampling / seed 0 #0', 'toy0 / random-sampling / seed 0 #1', 'toy0 / foo / seed 0 #0']);
    for (const a of data.architectures) {
      const [cell] = a.cells;
      expect(a.cells).toHaveLength(1);
      expect(cell!.name).toBe('chain');
      expect(cell!.edges.map((e) => `${e.from}>${e.to}`)).toEqual(['in>s0', 's0>s1', 's1>s2', 's2>s3', 's3>out']);
      expect(cell!.edges.slice(0, 4).every((e) => /^choice \d$/.test(e.label ?? ''))).toBe(true);
    }
    const html = readFileSync(join(dir, 'results', 'reports', 'toy-cells', 'index.html'), 'utf8');
    expect((html.match(/<svg[^>]*class="cell-diagram"/g) ?? []).length).toBe(3);
  });
});
