/**
 * ENAS micro architectures (Pham, Guan, Zoph, Le & Dean, "Efficient Neural Architecture Search via
 * Parameter Sharing", ICML 2018; code melodyguan/enas, run by the benchmark from
 * antoyang/NAS-Benchmark `ENASTF/` and `ENASPytorch/`).
 *
 * A cell has two input states (0: the output of the layer before the previous one, 1: of the
 * previous layer) and B = 5 nodes, states 2–6. Node `s` reads two inputs x, y among the earlier
 * states 0 … s−1 (repeats allowed), applies an op to each and sums them. A cell is 20 integers,
 * `x_id x_op y_id y_op` per node; an arc is the normal cell then the reduction cell (what
 * `--child_fixed_arc` takes and the controller prints). The cell output concatenates the loose
 * ends: the states no node reads.
 */
import { ParseError } from '@naslab/core';

/** Op ids of `micro_child.py` (`_fixed_layer`, `_enas_cell`). */
export const ENAS_OPS = ['sep_conv_3x3', 'sep_conv_5x5', 'avg_pool_3x3', 'max_pool_3x3', 'identity'] as const;
export type EnasOp = (typeof ENAS_OPS)[number];

export const ENAS_NODES = 5;
export const ENAS_CELL_INPUTS = 2;
/** Integers per cell: x_id, x_op, y_id, y_op per node. */
export const ENAS_CELL_LENGTH = 4 * ENAS_NODES;
export const IDENTITY_OP = 4;

export type CellName = 'normal' | 'reduce';
export const NODE_FIELDS = ['x_id', 'x_op', 'y_id', 'y_op'] as const;

/** 20 integers per cell, `x_id x_op y_id y_op` per node. */
export interface EnasArc {
  normal: number[];
  reduce: number[];
}

export interface ArcPosition {
  readonly line?: number;
  readonly column?: number;
  readonly cell?: CellName;
  /** State index of the node (2–6). */
  readonly node?: number;
  readonly field?: (typeof NODE_FIELDS)[number];
}

/** A malformed ENAS arc: `line:column: reduce cell, node 4, x_op: …`. */
export class EnasArcError extends ParseError {
  readonly position: ArcPosition;
  constructor(reason: string, position: ArcPosition = {}) {
    const where = [position.cell && `${position.cell} cell`, position.node !== undefined && `node ${position.node}`, position.field].filter(Boolean).join(', ');
    super(reason, { line: position.line, column: position.column, where: where || undefined });
    this.name = 'EnasArcError';
    this.position = position;
  }
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - (before.lastIndexOf('\n') + 1) + 1 };
}

/** Checks integer `k` (0–19) of a cell. */
function checkValue(cell: CellName, k: number, v: unknown, at: ArcPosition = {}): void {
  const node = ENAS_CELL_INPUTS + Math.floor(k / 4);
  const field = NODE_FIELDS[k % 4]!;
  const where = { ...at, cell, node, field };
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new EnasArcError(`expected an integer, got ${JSON.stringify(v)}`, where);
  if (field.endsWith('_id')) {
    if (v < 0 || v >= node) throw new EnasArcError(`input ${v} is out of range: node ${node} reads states 0–${node - 1}`, where);
  } else if (v < 0 || v >= ENAS_OPS.length) {
    throw new EnasArcError(`op ${v} is not an ENAS op (${ENAS_OPS.map((o, i) => `${i} ${o}`).join(', ')})`, where);
  }
}

/** Throws an `EnasArcError` naming the cell, node and field if `a` is not an ENAS arc. */
export function validateEnasArc(a: EnasArc): EnasArc {
  for (const cell of ['normal', 'reduce'] as const) {
    const values = a?.[cell];
    if (!Array.isArray(values) || values.length !== ENAS_CELL_LENGTH) {
      throw new EnasArcError(`expected ${ENAS_CELL_LENGTH} integers (${ENAS_NODES} nodes × 4), found ${Array.isArray(values) ? values.length : 'none'}`, { cell });
    }
    values.forEach((v, k) => checkValue(cell, k, v));
  }
  return a;
}

/** The 40 integers separated by single spaces, normal cell first: `--child_fixed_arc`'s form. */
export function formatEnasArc(a: EnasArc): string {
  validateEnasArc(a);
  return [...a.normal, ...a.reduce].join(' ');
}

/**
 * Parses 40 integers separated by white space (the scripts' `fixed_arc="…"` spans two lines, one
 * per cell) or commas, optionally as Python lists `[[20], [20]]` or `[40]`. Throws `EnasArcError`
 * with line, column, cell, node and field.
 */
export function parseEnasArc(text: string): EnasArc {
  const ints: Array<{ value: number; offset: number }> = [];
  let brackets = '';
  const re = /[\s,]+|(-?\d+)|([[\]])/y;
  for (let i = 0; i < text.length; ) {
    re.lastIndex = i;
    const m = re.exec(text);
    if (!m) {
      const bad = /^\S+/.exec(text.slice(i))![0];
      throw new EnasArcError(`expected an integer, found '${bad.length > 20 ? `${bad.slice(0, 20)}…` : bad}'`, lineColumn(text, i));
    }
    if (m[1]) {
      ints.push({ value: Number(m[1]), offset: i });
      if (!brackets.endsWith('n')) brackets += 'n';
    } else if (m[2]) brackets += m[2];
    i = re.lastIndex;
  }
  if (!['', 'n', '[n]', '[[n][n]]'].includes(brackets)) {
    throw new EnasArcError('expected 40 integers, optionally as [[20 integers], [20 integers]] or [40 integers]', lineColumn(text, text.search(/[[\]]/)));
  }
  const total = 2 * ENAS_CELL_LENGTH;
  if (ints.length !== total) {
    const at = ints.length > total ? ints[total]!.offset : text.length;
    throw new EnasArcError(`expected ${total} integers (2 cells × ${ENAS_NODES} nodes × 4), found ${ints.length}`, lineColumn(text, at));
  }
  ints.forEach((t, k) => checkValue(k < ENAS_CELL_LENGTH ? 'normal' : 'reduce', k % ENAS_CELL_LENGTH, t.value, lineColumn(text, t.offset)));
  const values = ints.map((t) => t.value);
  return { normal: values.slice(0, ENAS_CELL_LENGTH), reduce: values.slice(ENAS_CELL_LENGTH) };
}

/** The states of a cell no node reads (`used[i] == 0` in `_fixed_combine`), in state order. */
export function looseEnds(cell: readonly number[]): number[] {
  const used = new Array<number>(ENAS_CELL_INPUTS + ENAS_NODES).fill(0);
  for (let i = 0; i < ENAS_NODES; i++) {
    used[cell[4 * i]!]!++;
    used[cell[4 * i + 2]!]!++;
  }
  return used.flatMap((n, s) => (n === 0 ? [s] : []));
}

/** A node sums its branches: this key orders each node's two (id, op) branches, so equal cells get equal keys. */
export function enasArcKey(a: EnasArc): string {
  const sortCell = (c: readonly number[]) =>
    Array.from({ length: ENAS_NODES }, (_, i) => {
      const x = [c[4 * i]!, c[4 * i + 1]!];
      const y = [c[4 * i + 2]!, c[4 * i + 3]!];
      return x[0]! < y[0]! || (x[0] === y[0] && x[1]! <= y[1]!) ? [...x, ...y] : [...y, ...x];
    }).flat();
  return formatEnasArc({ normal: sortCell(a.normal), reduce: sortCell(a.reduce) });
}

/** Facts for reports: op counts per cell (`normal.sep_conv_3x3`) and the number of loose ends. */
export function describeEnasArc(a: EnasArc): Record<string, number> {
  const out: Record<string, number> = {};
  for (const cell of ['normal', 'reduce'] as const) {
    for (let k = 1; k < ENAS_CELL_LENGTH; k += 2) {
      const key = `${cell}.${ENAS_OPS[a[cell][k]!]}`;
      out[key] = (out[key] ?? 0) + 1;
    }
    out[`${cell}.loose_ends`] = looseEnds(a[cell]).length;
  }
  return out;
}

const cells = (normal: string, reduce: string): EnasArc => ({ normal: normal.split(/\s+/).map(Number), reduce: reduce.split(/\s+/).map(Number) });

/** The CIFAR-10 final arc of the ENAS repo (melodyguan/enas `scripts/cifar10_micro_final.sh`). */
export const ENAS_FINAL_ARC = cells('0 2 0 0 0 4 0 1 0 4 1 1 1 0 0 1 0 2 1 1', '1 0 1 0 0 3 0 2 1 1 3 1 1 0 0 4 0 3 1 1');

/**
 * The ENAS paper's cell as NSGA-Net transcribed it from the paper's figure (antoyang/NAS-Benchmark
 * `NSGANET/models/micro_genotypes.py` `ENAS`), `skip_connect` read as the identity op. Not the
 * repo's arc.
 */
export const ENAS_PAPER_FIGURE_ARC = cells('1 0 1 4 1 1 0 4 0 2 1 0 0 0 0 2 1 1 0 2', '0 1 1 2 1 0 1 2 1 2 1 0 4 1 1 2 5 0 0 1');

/** Names `parse` accepts besides the integers. */
export const ENAS_ARCS: Readonly<Record<string, EnasArc>> = Object.freeze({ ENAS: ENAS_FINAL_ARC, 'ENAS-paper-figure': ENAS_PAPER_FIGURE_ARC });

/** A name from `ENAS_ARCS` or arc text; throws `EnasArcError`. */
export function resolveEnasArc(text: string): EnasArc {
  const known = Object.hasOwn(ENAS_ARCS, text.trim()) ? ENAS_ARCS[text.trim()] : undefined;
  return known ? structuredClone(known) : parseEnasArc(text);
}
