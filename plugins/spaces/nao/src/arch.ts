/**
 * NAO architectures (Luo, Tian, Qin, Chen & Liu, "Neural Architecture Optimization", NeurIPS
 * 2018; code renqianluo/NAO_pytorch, run by the benchmark from antoyang/NAS-Benchmark `NAO/`).
 *
 * A cell has two input states (0: output of the cell before the previous one, 1: of the previous
 * cell) and 5 nodes, states 2–6. Node `s` reads two inputs x, y among the earlier states 0 … s−1
 * (the same one twice is allowed), applies an op to each and sums them. A cell is 20 integers,
 * `x_id x_op y_id y_op` per node; an architecture is the normal ("conv") cell then the reduction
 * cell, 40 integers. The cell output concatenates the loose ends: the states no node reads.
 */
import { ParseError } from '@naslab/core';

/** Op ids of `NAO/operations.py` (`OPERATIONS`, `OPERATIONS_large`) as `NAO/model.py` `Node` builds them. */
export const NAO_OPS = [
  'sep_conv_3x3', // 0
  'sep_conv_5x5', // 1
  'avg_pool_3x3', // 2: count_include_pad=False
  'max_pool_3x3', // 3
  'identity', // 4
  'identity', // 5
  'conv_1x1', // 6
  'conv_3x3', // 7
  'conv_1x3_3x1', // 8
  'conv_1x7_7x1', // 9
  'max_pool_2x2', // 10
  'max_pool_3x3', // 11
  'max_pool_5x5', // 12
  'avg_pool_2x2', // 13
  'avg_pool_3x3', // 14: count_include_pad=True
  'avg_pool_5x5', // 15
] as const;

/** The op ids the benchmark's NAO search uses (seed pool `generate_arch(600, 5, 5)`; the ENAS/NAO-WS space). */
export const NAO_SEARCH_OPS: readonly number[] = [0, 1, 2, 3, 4];
/** The op ids the benchmark's random baseline draws (`generate_arch(1, 5, num_ops=11)`). */
export const NAO_RANDOM_BASELINE_OPS: readonly number[] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
/** The NAO paper's 11 ops (NAONet-A's space). */
export const NAO_PAPER_OPS: readonly number[] = [5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15];

export const NAO_NODES = 5;
export const NAO_CELL_INPUTS = 2;
/** Integers per cell: x_id, x_op, y_id, y_op per node. */
export const NAO_CELL_LENGTH = 4 * NAO_NODES;

export type CellName = 'normal' | 'reduce';

/** 20 integers per cell, `x_id x_op y_id y_op` per node. */
export interface NaoArch {
  normal: number[];
  reduce: number[];
}

/** The field of a node's 4 integers. */
export const NODE_FIELDS = ['x_id', 'x_op', 'y_id', 'y_op'] as const;

/** Identity ops (4 and 5). */
export function isIdentityOp(op: number): boolean {
  return NAO_OPS[op] === 'identity';
}

// ---------------------------------------------------------------------------------------------
// Errors

export interface ArchPosition {
  /** 0-based character offset into the text. */
  readonly offset?: number;
  readonly line?: number;
  readonly column?: number;
  readonly cell?: CellName;
  /** State index of the node (2–6). */
  readonly node?: number;
  readonly field?: (typeof NODE_FIELDS)[number];
}

/**
 * A malformed NAO architecture; the message starts with `line:column` when parsing text and names
 * the cell, node and field, e.g. `1:9: normal cell, node 4, x_id: input 5 is out of range: node 4 takes inputs 0–3`.
 */
export class NaoArchError extends ParseError {
  readonly position: ArchPosition;
  constructor(reason: string, position: ArchPosition = {}) {
    super(reason, { line: position.line, column: position.column, where: describePosition(position) });
    this.name = 'NaoArchError';
    this.position = position;
  }
}

/** `normal cell, node 3`: the place of a position, without line and column. */
function describePosition(p: ArchPosition): string | undefined {
  const where: string[] = [];
  if (p.cell) where.push(`${p.cell} cell`);
  if (p.node !== undefined) where.push(`node ${p.node}`);
  if (p.field) where.push(p.field);
  return where.length ? where.join(', ') : undefined;
}

function lineColumn(text: string, offset: number): { offset: number; line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { offset, line, column: offset - lineStart + 1 };
}

/** Checks integer `k` (0–19) of a cell; `at` adds the text position. */
function checkValue(cell: CellName, k: number, v: unknown, at: ArchPosition = {}): void {
  const node = NAO_CELL_INPUTS + Math.floor(k / 4);
  const field = NODE_FIELDS[k % 4]!;
  const where = { ...at, cell, node, field };
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new NaoArchError(`expected an integer, got ${JSON.stringify(v)}`, where);
  if (field.endsWith('_id')) {
    if (v < 0 || v >= node) throw new NaoArchError(`input ${v} is out of range: node ${node} takes inputs 0–${node - 1}`, where);
  } else if (v < 0 || v >= NAO_OPS.length) {
    throw new NaoArchError(`op ${v} is not a NAO op (0–${NAO_OPS.length - 1}: ${NAO_OPS.map((o, i) => `${i} ${o}`).join(', ')})`, where);
  }
}

/** Throws a `NaoArchError` naming the cell, node and field if `a` is not a NAO architecture. */
export function validateNaoArch(a: NaoArch): NaoArch {
  for (const cell of ['normal', 'reduce'] as const) {
    const values = a[cell];
    if (!Array.isArray(values) || values.length !== NAO_CELL_LENGTH) {
      throw new NaoArchError(`expected ${NAO_CELL_LENGTH} integers (${NAO_NODES} nodes × 4), found ${Array.isArray(values) ? values.length : 'none'}`, { cell });
    }
    values.forEach((v, k) => checkValue(cell, k, v));
  }
  return a;
}

// ---------------------------------------------------------------------------------------------
// Text

/** The text `NAO/train_search.py` writes to `arch_pool` and logs: `' '.join(map(str, conv + reduc))`. */
export function formatNaoArch(a: NaoArch): string {
  validateNaoArch(a);
  return [...a.normal, ...a.reduce].join(' ');
}

interface Token {
  kind: 'int' | 'open' | 'close';
  value: number;
  offset: number;
}

/**
 * Parses the 40 integers, separated by spaces and/or commas (what the search writes and the
 * scripts pass as `--arch`), or Python's list forms: `[[20 ints], [20 ints]]` (what
 * `utils.generate_arch` returns and `train_cifar.py` evaluates) or one flat list of 40.
 * Throws `NaoArchError` with the line, column, cell, node and field.
 */
export function parseNaoArch(text: string): NaoArch {
  const tokens: Token[] = [];
  const re = /[\s,]+|(-?[0-9]+)|(\[)|(\])/y;
  for (let i = 0; i < text.length; ) {
    re.lastIndex = i;
    const m = re.exec(text);
    if (!m) {
      const bad = /^\S+/.exec(text.slice(i))![0];
      throw new NaoArchError(`expected an integer, found '${bad.length > 20 ? bad.slice(0, 20) + '…' : bad}'`, lineColumn(text, i));
    }
    if (m[1]) tokens.push({ kind: 'int', value: Number(m[1]), offset: i });
    else if (m[2]) tokens.push({ kind: 'open', value: 0, offset: i });
    else if (m[3]) tokens.push({ kind: 'close', value: 0, offset: i });
    i = re.lastIndex;
  }
  const shape = tokens.map((t) => (t.kind === 'int' ? 'n' : t.kind === 'open' ? '[' : ']')).join('').replace(/n+/g, 'n');
  if (!['n', '[n]', '[[n][n]]'].includes(shape)) {
    const first = tokens.find((t) => t.kind !== 'int') ?? tokens[0];
    throw new NaoArchError(
      'expected 40 integers, optionally as [[20 integers], [20 integers]] or [40 integers]',
      lineColumn(text, first?.offset ?? 0),
    );
  }
  const ints = tokens.filter((t) => t.kind === 'int');
  const total = 2 * NAO_CELL_LENGTH;
  if (shape === '[[n][n]]') {
    const split = tokens.findIndex((t, i) => t.kind === 'close' && i > 0);
    const first = tokens.slice(0, split).filter((t) => t.kind === 'int');
    if (first.length !== NAO_CELL_LENGTH || ints.length - first.length !== NAO_CELL_LENGTH) {
      throw new NaoArchError(
        `expected ${NAO_CELL_LENGTH} integers per cell (${NAO_NODES} nodes × 4), found ${first.length} and ${ints.length - first.length}`,
        lineColumn(text, tokens[0]!.offset),
      );
    }
  } else if (ints.length !== total) {
    const at = ints.length > total ? ints[total]!.offset : text.length;
    throw new NaoArchError(`expected ${total} integers (2 cells × ${NAO_NODES} nodes × 4), found ${ints.length}`, lineColumn(text, at));
  }
  ints.forEach((t, k) => {
    const cell: CellName = k < NAO_CELL_LENGTH ? 'normal' : 'reduce';
    checkValue(cell, k % NAO_CELL_LENGTH, t.value, lineColumn(text, t.offset));
  });
  const values = ints.map((t) => t.value);
  return { normal: values.slice(0, NAO_CELL_LENGTH), reduce: values.slice(NAO_CELL_LENGTH) };
}

// ---------------------------------------------------------------------------------------------
// Other views

/** The states of a cell no node reads (its output, concatenated in state order). */
export function looseEnds(cell: readonly number[]): number[] {
  const used = new Array<number>(NAO_CELL_INPUTS + NAO_NODES).fill(0);
  for (let i = 0; i < NAO_NODES; i++) {
    used[cell[4 * i]!]!++;
    used[cell[4 * i + 2]!]!++;
  }
  return used.flatMap((n, s) => (n === 0 ? [s] : []));
}

/**
 * A node sums its two branches, so swapping x and y gives the same network: this key orders
 * each node's two (id, op) branches, equal architectures giving equal keys.
 */
export function naoArchitectureKey(a: NaoArch): string {
  const sortCell = (c: readonly number[]) =>
    Array.from({ length: NAO_NODES }, (_, i) => {
      const x = [c[4 * i]!, c[4 * i + 1]!];
      const y = [c[4 * i + 2]!, c[4 * i + 3]!];
      return x[0]! < y[0]! || (x[0] === y[0] && x[1]! <= y[1]!) ? [...x, ...y] : [...y, ...x];
    }).flat();
  return formatNaoArch({ normal: sortCell(a.normal), reduce: sortCell(a.reduce) });
}

/** Facts for reports: op counts per cell (`normal.7:conv_3x3`) and the number of loose ends. */
export function describeNaoArch(a: NaoArch): Record<string, number> {
  const out: Record<string, number> = {};
  for (const cell of ['normal', 'reduce'] as const) {
    const ops = a[cell].filter((_, k) => k % 2 === 1);
    NAO_OPS.forEach((name, id) => {
      const n = ops.filter((o) => o === id).length;
      if (n) out[`${cell}.${id}:${name}`] = n;
    });
    out[`${cell}.loose_ends`] = looseEnds(a[cell]).length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Published architectures

const cells = (normal: string, reduce: string): NaoArch => ({ normal: normal.split(' ').map(Number), reduce: reduce.split(' ').map(Number) });

/** NAONet-B (NAO-WS, PyTorch; 2.93 % error), renqianluo/NAO_pytorch `NAO_V1/train_NAONet_B_36_cifar10.sh`. */
export const NAONET_B = cells('0 1 0 2 0 1 2 2 1 3 0 2 4 0 1 3 2 1 0 3', '1 1 1 0 2 1 2 4 1 0 2 3 3 1 2 2 0 2 0 2');
/** NAONet-WS (NAO-WS, TensorFlow), renqianluo/NAO `NAO-WS/cnn/train_final.sh`. */
export const NAONET_WS = cells('0 1 0 4 2 2 1 3 1 0 2 0 2 3 1 3 1 2 0 4', '1 1 0 3 2 3 2 3 1 0 0 1 0 4 2 4 2 3 2 3');
/** NAONet-A (NAO without weight sharing, the paper's 11 ops), `NAO_V1/train_NAONet_A_36_cifar10.sh`. */
export const NAONET_A = cells('0 7 1 15 2 8 1 7 0 6 1 7 0 8 4 7 1 5 0 7', '0 7 1 13 0 6 0 14 0 9 1 10 0 14 2 6 1 11 0 7');

/** Names `parse` accepts besides the integers. */
export const NAO_ARCHS: Readonly<Record<string, NaoArch>> = Object.freeze({ 'NAONet-A': NAONET_A, 'NAONet-B': NAONET_B, 'NAONet-WS': NAONET_WS });

/** A name from `NAO_ARCHS` or architecture text; throws `NaoArchError`. */
export function resolveNaoArch(text: string): NaoArch {
  const name = text.trim();
  const known = Object.hasOwn(NAO_ARCHS, name) ? NAO_ARCHS[name] : undefined;
  if (known) return structuredClone(known);
  return parseNaoArch(text);
}
