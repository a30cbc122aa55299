/**
 * Cell diagrams as inline SVG. The layout is dagre's (layered, left to right, as Graphviz's `dot`
 * with `rankdir=LR` in DARTS's `visualize.py`); this file only sizes the boxes from their text
 * and writes what dagre placed. Colours and shapes follow `visualize.py`: filled boxes, inputs
 * darkseagreen2, intermediate nodes lightblue, the output palegoldenrod, gray edges with the op.
 */
import dagre from '@dagrejs/dagre';
import type { CellGraph, CellNodeRole } from './cell-graph.js';
import { escapeHtml } from './tables.js';

const FONT_SIZE = 14;
/** Average glyph width of the serif font relative to its size (sizes boxes before layout). */
const GLYPH_WIDTH = 0.62;
const NODE_HEIGHT = 32;
const FILL: Record<CellNodeRole, string> = { input: '#b4eeb4', intermediate: '#add8e6', output: '#eee8aa' };

export interface PlacedNode {
  id: string;
  label: string;
  role: CellNodeRole;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface PlacedEdge {
  from: string;
  to: string;
  label?: string;
  points: Array<{ x: number; y: number }>;
  labelX?: number;
  labelY?: number;
}

export interface CellLayout {
  width: number;
  height: number;
  nodes: PlacedNode[];
  edges: PlacedEdge[];
}

const textWidth = (s: string) => Math.ceil(s.length * FONT_SIZE * GLYPH_WIDTH);
const r1 = (x: number) => Math.round(x * 10) / 10;

/** Lays the cell out with dagre (deterministic: same graph, same coordinates). */
export function layoutCell(graph: CellGraph): CellLayout {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'LR', nodesep: 18, ranksep: 70, edgesep: 12 });
  for (const n of graph.nodes) g.setNode(n.id, { width: Math.max(44, textWidth(n.label) + 20), height: NODE_HEIGHT });
  const ids = new Set(graph.nodes.map((n) => n.id));
  graph.edges.forEach((e, i) => {
    if (!ids.has(e.from) || !ids.has(e.to)) throw new Error(`${graph.name} cell: edge ${i} joins ${e.from} → ${e.to}, not a node of the cell`);
    g.setEdge(e.from, e.to, e.label ? { width: textWidth(e.label) + 6, height: FONT_SIZE + 4, labelpos: 'c' } : {}, `e${i}`);
  });
  dagre.layout(g);
  const nodes = graph.nodes.map((n): PlacedNode => {
    const p = g.node(n.id);
    return { ...n, x: p.x ?? 0, y: p.y ?? 0, width: p.width, height: p.height };
  });
  const edges = graph.edges.map((e, i): PlacedEdge & { labelWidth: number; labelHeight: number } => {
    const p = g.edge(e.from, e.to, `e${i}`);
    return { ...e, points: (p.points ?? []).map((q: { x: number; y: number }) => ({ x: q.x, y: q.y })), labelX: p.x, labelY: p.y, labelWidth: p.width ?? 0, labelHeight: p.height ?? 0 };
  });
  // dagre's graph size can leave out edge bends routed around the outermost nodes: take the
  // bounds of everything drawn and shift it into view with a margin.
  const boxes = [
    ...nodes.map((n) => [n.x - n.width / 2, n.y - n.height / 2, n.x + n.width / 2, n.y + n.height / 2]),
    ...edges.flatMap((e) => e.points.map((q) => [q.x, q.y, q.x, q.y])),
    ...edges.filter((e) => e.label && e.labelX !== undefined).map((e) => [e.labelX! - e.labelWidth / 2, e.labelY! - e.labelHeight / 2, e.labelX! + e.labelWidth / 2, e.labelY! + e.labelHeight / 2]),
  ];
  const margin = 8;
  const minX = Math.min(...boxes.map((b) => b[0]!)) - margin;
  const minY = Math.min(...boxes.map((b) => b[1]!)) - margin;
  const maxX = Math.max(...boxes.map((b) => b[2]!)) + margin;
  const maxY = Math.max(...boxes.map((b) => b[3]!)) + margin;
  return {
    width: Math.ceil(maxX - minX),
    height: Math.ceil(maxY - minY),
    nodes: nodes.map((n) => ({ ...n, x: n.x - minX, y: n.y - minY })),
    edges: edges.map(({ labelWidth: _w, labelHeight: _h, ...e }) => ({
      ...e,
      points: e.points.map((q) => ({ x: q.x - minX, y: q.y - minY })),
      labelX: e.labelX === undefined ? undefined : e.labelX - minX,
      labelY: e.labelY === undefined ? undefined : e.labelY - minY,
    })),
  };
}

/** A smooth path through dagre's edge points (quadratic pieces between midpoints). */
function edgePath(points: PlacedEdge['points']): string {
  if (points.length === 0) return '';
  const [first, ...rest] = points;
  let d = `M${r1(first!.x)},${r1(first!.y)}`;
  for (let i = 0; i < rest.length - 1; i++) {
    const p = rest[i]!;
    const q = rest[i + 1]!;
    d += ` Q${r1(p.x)},${r1(p.y)} ${r1((p.x + q.x) / 2)},${r1((p.y + q.y) / 2)}`;
  }
  const last = rest[rest.length - 1];
  if (last) d += ` L${r1(last.x)},${r1(last.y)}`;
  return d;
}

/**
 * The cell as a standalone SVG element. `id` must be unique in the page (it scopes the arrow
 * marker); `title` is drawn above the graph.
 */
export function cellDiagramSvg(graph: CellGraph, id: string, title = `${graph.name} cell`): string {
  const layout = layoutCell(graph);
  const top = 26;
  const width = Math.max(layout.width, textWidth(title) + 16);
  const height = layout.height + top;
  const marker = `${id}-arrow`;
  const s: string[] = [];
  s.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="cell-diagram" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(title)}">`,
    `<defs><marker id="${escapeHtml(marker)}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#808080"/></marker></defs>`,
    `<text x="8" y="18" font-family="sans-serif" font-size="15" font-weight="bold" fill="#222">${escapeHtml(title)}</text>`,
    `<g transform="translate(0,${top})" font-family="Times New Roman,Times,serif" font-size="${FONT_SIZE}">`,
  );
  for (const e of layout.edges) {
    s.push(`<path class="edge" d="${edgePath(e.points)}" fill="none" stroke="#808080" stroke-width="1.6" marker-end="url(#${escapeHtml(marker)})"/>`);
  }
  for (const e of layout.edges) {
    if (!e.label || e.labelX === undefined || e.labelY === undefined) continue;
    s.push(
      `<text class="edge-label" x="${r1(e.labelX)}" y="${r1(e.labelY)}" text-anchor="middle" dominant-baseline="central" fill="#333" stroke="#fff" stroke-width="4" paint-order="stroke">${escapeHtml(e.label)}</text>`,
    );
  }
  for (const n of layout.nodes) {
    s.push(
      `<g class="node node-${n.role}"><rect x="${r1(n.x - n.width / 2)}" y="${r1(n.y - n.height / 2)}" width="${r1(n.width)}" height="${r1(n.height)}" rx="3" fill="${FILL[n.role]}" stroke="#222" stroke-width="2"/>` +
        `<text x="${r1(n.x)}" y="${r1(n.y)}" text-anchor="middle" dominant-baseline="central" fill="#000">${escapeHtml(n.label)}</text></g>`,
    );
  }
  s.push('</g></svg>');
  return s.join('');
}
