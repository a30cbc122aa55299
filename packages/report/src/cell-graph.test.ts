import { describe, expect, it } from 'vitest';
import { cellDiagramSvg, layoutCell } from './cell-diagram.js';
import { dartsCellGraph, genotypeCellGraphs, isDartsFamilyGenotype, type DartsFamilyGenotype } from './cell-graph.js';

/** quark0/darts `genotypes.py` DARTS_V2, edge order as written there. */
const DARTS_V2: DartsFamilyGenotype = {
  normal: [
    ['sep_conv_3x3', 0], ['sep_conv_3x3', 1],
    ['sep_conv_3x3', 0], ['sep_conv_3x3', 1],
    ['sep_conv_3x3', 1], ['skip_connect', 0],
    ['skip_connect', 0], ['dil_conv_3x3', 2],
  ],
  normalConcat: [2, 3, 4, 5],
  reduce: [
    ['max_pool_3x3', 0], ['max_pool_3x3', 1],
    ['skip_connect', 2], ['max_pool_3x3', 1],
    ['max_pool_3x3', 0], ['skip_connect', 2],
    ['skip_connect', 2], ['max_pool_3x3', 1],
  ],
  reduceConcat: [2, 3, 4, 5],
};

describe('genotypeCellGraphs', () => {
  const [normal, reduction] = genotypeCellGraphs(DARTS_V2);

  it('names the nodes as visualize.py: two inputs, 4 intermediate nodes, the output', () => {
    expect(normal!.name).toBe('normal');
    expect(reduction!.name).toBe('reduction');
    expect(normal!.nodes.map((n) => `${n.id}:${n.role}`)).toEqual([
      'c_{k-2}:input', 'c_{k-1}:input', '0:intermediate', '1:intermediate', '2:intermediate', '3:intermediate', 'c_{k}:output',
    ]);
  });

  it('has the 8 op edges of DARTS_V2 and one edge per concatenated node into c_{k}', () => {
    const ops = normal!.edges.filter((e) => e.label);
    expect(ops.map((e) => `${e.from} -${e.label}-> ${e.to}`)).toEqual([
      'c_{k-2} -sep_conv_3x3-> 0', 'c_{k-1} -sep_conv_3x3-> 0',
      'c_{k-2} -sep_conv_3x3-> 1', 'c_{k-1} -sep_conv_3x3-> 1',
      'c_{k-1} -sep_conv_3x3-> 2', 'c_{k-2} -skip_connect-> 2',
      'c_{k-2} -skip_connect-> 3', '0 -dil_conv_3x3-> 3',
    ]);
    expect(reduction!.edges.filter((e) => e.label).map((e) => `${e.from}>${e.to}:${e.label}`)).toEqual([
      'c_{k-2}>0:max_pool_3x3', 'c_{k-1}>0:max_pool_3x3',
      '0>1:skip_connect', 'c_{k-1}>1:max_pool_3x3',
      'c_{k-2}>2:max_pool_3x3', '0>2:skip_connect',
      '0>3:skip_connect', 'c_{k-1}>3:max_pool_3x3',
    ]);
    expect(normal!.edges.filter((e) => !e.label).map((e) => `${e.from}>${e.to}`)).toEqual(['0>c_{k}', '1>c_{k}', '2>c_{k}', '3>c_{k}']);
  });

  it('follows the concat list, and rejects an edge reading a later node', () => {
    expect(dartsCellGraph('normal', DARTS_V2.normal, [4, 5]).edges.filter((e) => !e.label).map((e) => e.from)).toEqual(['2', '3']);
    expect(() => dartsCellGraph('normal', [['sep_conv_3x3', 2], ['skip_connect', 0]], [2])).toThrow(/normal cell, edge 0: input 2 is not computed before intermediate node 0/);
    expect(() => dartsCellGraph('reduction', [['sep_conv_3x3', 0]], [2])).toThrow(/1 edges/);
  });

  it('recognises the DARTS-family genotype shape only', () => {
    expect(isDartsFamilyGenotype(DARTS_V2)).toBe(true);
    expect(isDartsFamilyGenotype({ normal: [1, 2, 3], reduce: [] })).toBe(false);
    expect(isDartsFamilyGenotype('Genotype(normal=[])')).toBe(false);
  });
});

/** A normal cell random sampling drew (quick start, seed 0): dagre routes 0 → c_{k} below every node. */
const SAMPLED_NORMAL = dartsCellGraph(
  'normal',
  [['sep_conv_5x5', 0], ['dil_conv_3x3', 1], ['skip_connect', 0], ['sep_conv_5x5', 2], ['avg_pool_3x3', 1], ['max_pool_3x3', 2], ['skip_connect', 3], ['sep_conv_5x5', 4]],
  [2, 3, 4, 5],
);

describe('cell diagrams', () => {
  const [normal] = genotypeCellGraphs(DARTS_V2);

  it('keeps every node, edge and label inside the drawing', () => {
    for (const graph of [normal!, SAMPLED_NORMAL]) {
      const layout = layoutCell(graph);
      for (const p of layout.edges.flatMap((e) => e.points)) {
        expect(p.x).toBeGreaterThanOrEqual(0);
        expect(p.y).toBeGreaterThanOrEqual(0);
        expect(p.x).toBeLessThanOrEqual(layout.width);
        expect(p.y).toBeLessThanOrEqual(layout.height);
      }
      for (const n of layout.nodes) {
        expect(n.x - n.width / 2).toBeGreaterThanOrEqual(0);
        expect(n.y + n.height / 2).toBeLessThanOrEqual(layout.height);
      }
    }
  });

  it('dagre lays the cell out left to right: inputs first, the output last, labels on the edges', () => {
    const layout = layoutCell(normal!);
    const x = Object.fromEntries(layout.nodes.map((n) => [n.id, n.x]));
    expect(Math.max(x['c_{k-2}']!, x['c_{k-1}']!)).toBeLessThan(x['0']!);
    expect(x['0']!).toBeLessThan(x['3']!);
    for (const id of ['0', '1', '2', '3']) expect(x[id]!).toBeLessThan(x['c_{k}']!);
    for (const e of layout.edges) expect(e.points.length).toBeGreaterThanOrEqual(2);
    expect(layout.edges.filter((e) => e.label).every((e) => Number.isFinite(e.labelX) && Number.isFinite(e.labelY))).toBe(true);
  });

  it('renders standalone, deterministic SVG with every node and op label', () => {
    const svg = cellDiagramSvg(normal!, 'cell-0-normal', 'DARTS_V2 normal cell');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect((svg.match(/class="node /g) ?? []).length).toBe(7);
    expect((svg.match(/class="edge"/g) ?? []).length).toBe(12);
    expect((svg.match(/>sep_conv_3x3</g) ?? []).length).toBe(5);
    expect(svg).toContain('>dil_conv_3x3<');
    expect(svg).toContain('url(#cell-0-normal-arrow)');
    expect(svg).not.toMatch(/NaN|undefined/);
    expect(cellDiagramSvg(normal!, 'cell-0-normal', 'DARTS_V2 normal cell')).toBe(svg);
  });
});
