/**
 * DARTS genotypes (Liu, Simonyan & Yang, "DARTS: Differentiable Architecture Search", ICLR 2019):
 * the type, the text form of the reference code (quark0/darts `genotypes.py`, printed by
 * `model_search.genotype()`), a parser that names the position of what is malformed, and the
 * canonical printer.
 *
 * A cell has two input states (0: output of the cell before the previous one, 1: output of the
 * previous cell) and four intermediate nodes, states 2–5. Node `s` sums two edges, each an op
 * applied to an earlier state (0 … s−1). A genotype lists the 8 edges node by node, two per node,
 * as `(op, input state)`; `*_concat` lists the states concatenated into the cell output.
 */
import { ParseError } from '@naslab/core';

export const DARTS_OPS = ['none','max_pool_3x3','avg_pool_3x3','skip_connect','sep_conv_3x3','sep_conv_5x5','dil_conv_3x3','dil_conv_5x5'] as const;
/**
 * Ops beyond DARTS' 8 that the evaluation network also builds: the plain ReLU-conv-BN
 * convolutions and the 5×5 max-pool of the seed paper's modified operation set (Section 5.2).
 */
export const DARTS_EXTRA_OPS = ['conv_1x1', 'conv_3x3', 'conv_7x7', 'conv_11x11', 'max_pool_5x5'] as const;
/** Every op a DARTS-space genotype may use under some op set (`ops` option); DARTS' 8 first. */
export const DARTS_KNOWN_OPS = [...DARTS_OPS, ...DARTS_EXTRA_OPS] as const;
export type DartsOp = (typeof DARTS_KNOWN_OPS)[number];
/**
 * The seed paper's deliberately worse op set (Yang et al., ICLR 2020, Section 5.2): plain 1×1,
 * 3×3, 7×7 and 11×11 convolutions, 3×3 and 5×5 max-pools, `none` and `skip_connect`.
 */
export const DARTS_MODIFIED_OPS: readonly DartsOp[] = ['none', 'max_pool_3x3', 'max_pool_5x5', 'skip_connect', 'conv_1x1', 'conv_3x3', 'conv_7x7', 'conv_11x11'];
export interface Genotype { normal: Array<[DartsOp, number]>; normalConcat: number[]; reduce: Array<[DartsOp, number]>; reduceConcat: number[] }

/** Intermediate nodes per cell (DARTS `steps`). */
export const DARTS_NODES = 4;
/** Edges per intermediate node. */
export const DARTS_EDGES_PER_NODE = 2;
/** Input states of a cell (the two previous cells' outputs). */
export const DARTS_CELL_INPUTS = 2;
/** What DARTS concatenates: every intermediate node, `range(2, 6)`. */
export const DARTS_CONCAT: readonly number[] = [2, 3, 4, 5];

export type CellName = 'normal' | 'reduce';

const OP_SET: ReadonlySet<string> = new Set(DARTS_OPS);
const KNOWN_OP_SET: ReadonlySet<string> = new Set(DARTS_KNOWN_OPS);

/** One of DARTS' own 8 ops. */
export function isDartsOp(name: string): name is DartsOp {
  return OP_SET.has(name);
}

/** An op the evaluation network builds (DARTS' 8 and `DARTS_EXTRA_OPS`). */
export function isKnownDartsOp(name: string): name is DartsOp {
  return KNOWN_OP_SET.has(name);
}

/** Whether `ops` is DARTS' own op set, in `PRIMITIVES` order (the default of the space). */
export function isDefaultOpSet(ops: readonly string[]): boolean {
  return ops.length === DARTS_OPS.length && ops.every((op, i) => op === DARTS_OPS[i]);
}

// ---------------------------------------------------------------------------------------------
// Errors

/** Where in the genotype text (or object) something is wrong. */
export interface GenotypePosition {
  /** 0-based character offset into the text. */
  readonly offset?: number;
  /** 1-based line and column. */
  readonly line?: number;
  readonly column?: number;
  readonly cell?: CellName;
  /** State index of the intermediate node (2–5). */
  readonly node?: number;
  /** 0-based index of the edge in the cell's flat list (0–7). */
  readonly edge?: number;
}

/**
 * A malformed genotype. The message starts with `line:column` (when parsing text) and names the
 * cell, node and edge, e.g.
 * `1:64: normal cell, node 3 (edge 3 of 8): input 4 is out of range: node 3 takes inputs 0–2`.
 */
export class GenotypeError extends ParseError {
  readonly position: GenotypePosition;
  constructor(reason: string, position: GenotypePosition = {}) {
    super(reason, { line: position.line, column: position.column, where: describePosition(position) });
    this.name = 'GenotypeError';
    this.position = position;
  }
}

/** `normal cell, node 3 (edge 3 of 8)`: the place of a position, without line and column. */
function describePosition(p: GenotypePosition): string | undefined {
  const where: string[] = [];
  if (p.cell) where.push(`${p.cell} cell`);
  if (p.node !== undefined) {
    const edge = p.edge !== undefined ? ` (edge ${p.edge + 1} of ${DARTS_NODES * DARTS_EDGES_PER_NODE})` : '';
    where.push(`node ${p.node}${edge}`);
  } else if (p.edge !== undefined) {
    where.push(`edge ${p.edge + 1}`);
  }
  return where.length ? where.join(', ') : undefined;
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

// ---------------------------------------------------------------------------------------------
// Validation (shared by the parser and by code that builds genotypes as objects)

/** Node (state index) that edge `edge` of a flat cell list feeds. */
export function nodeOfEdge(edge: number): number {
  return DARTS_CELL_INPUTS + Math.floor(edge / DARTS_EDGES_PER_NODE);
}

/**
 * Checks one edge; `at` adds text positions for the parser. Throws `GenotypeError`.
 */
function checkEdge(
  cell: CellName,
  edge: number,
  op: unknown,
  input: unknown,
  at: { op?: GenotypePosition; input?: GenotypePosition } = {},
  ops: readonly DartsOp[] = DARTS_OPS,
): void {
  const node = nodeOfEdge(edge);
  if (typeof op !== 'string' || !(ops as readonly string[]).includes(op)) {
    const known = ops === DARTS_OPS ? `the DARTS ops are ${DARTS_OPS.join(', ')}` : `the ops of this space are ${ops.join(', ')}`;
    throw new GenotypeError(`unknown op ${JSON.stringify(op)}; ${known}`, { ...at.op, cell, node, edge });
  }
  if (typeof input !== 'number' || !Number.isInteger(input) || input < 0 || input >= node) {
    throw new GenotypeError(
      `input ${String(input)} is out of range: node ${node} takes inputs 0–${node - 1}`,
      { ...at.input, cell, node, edge },
    );
  }
}

function checkConcat(cell: CellName, concat: unknown, at: GenotypePosition = {}): void {
  const last = DARTS_CELL_INPUTS + DARTS_NODES - 1;
  const field = `${cell}_concat`;
  if (!Array.isArray(concat) || concat.length === 0) {
    throw new GenotypeError(`${field} must list at least one node`, at);
  }
  let previous = -1;
  for (const s of concat) {
    if (typeof s !== 'number' || !Number.isInteger(s) || s < DARTS_CELL_INPUTS || s > last) {
      throw new GenotypeError(`${field} holds ${String(s)}; the intermediate nodes are ${DARTS_CELL_INPUTS}–${last}`, at);
    }
    if (s <= previous) throw new GenotypeError(`${field} must list distinct nodes in increasing order`, at);
    previous = s;
  }
}

/** Throws a `GenotypeError` naming the cell/node/edge if `g` is not a DARTS-space genotype. */
export function validateGenotype(g: Genotype): Genotype {
  return validateGenotypeWithOps(g, DARTS_OPS);
}

/**
 * `validateGenotype` for the op set `ops` (the space's `ops` option). A separate function, not a
 * second parameter, so `genotypes.forEach(validateGenotype)` keeps meaning the default set.
 */
export function validateGenotypeWithOps(g: Genotype, ops: readonly DartsOp[]): Genotype {
  for (const cell of ['normal', 'reduce'] as const) {
    const edges = g[cell];
    const expected = DARTS_NODES * DARTS_EDGES_PER_NODE;
    if (!Array.isArray(edges) || edges.length !== expected) {
      throw new GenotypeError(
        `expected ${expected} edges (${DARTS_NODES} nodes × ${DARTS_EDGES_PER_NODE}), found ${Array.isArray(edges) ? edges.length : 'none'}`,
        { cell },
      );
    }
    edges.forEach((e, i) => checkEdge(cell, i, e?.[0], e?.[1], {}, ops));
    checkConcat(cell, cell === 'normal' ? g.normalConcat : g.reduceConcat, { cell });
  }
  return g;
}

// ---------------------------------------------------------------------------------------------
// Printing

function formatConcat(concat: readonly number[]): string {
  const contiguous = concat.every((s, i) => i === 0 || s === concat[i - 1]! + 1);
  if (contiguous && concat.length > 0) return `range(${concat[0]}, ${concat[concat.length - 1]! + 1})`;
  return `[${concat.join(', ')}]`;
}

function formatEdges(edges: ReadonlyArray<readonly [DartsOp, number]>): string {
  return `[${edges.map(([op, input]) => `('${op}', ${input})`).join(', ')}]`;
}

/**
 * Canonical text: the flat form the DARTS reference code prints (Python's repr of its
 * `Genotype` namedtuple), contiguous concats as `range(a, b)`. The edge order is kept as given
 * (published genotypes round-trip to their own text).
 */
export function formatGenotype(g: Genotype): string {
  return formatGenotypeWithOps(g, DARTS_OPS);
}

/** `formatGenotype` for the op set `ops`: refuses ops outside it. */
export function formatGenotypeWithOps(g: Genotype, ops: readonly DartsOp[]): string {
  validateGenotypeWithOps(g, ops);
  return (
    `Genotype(normal=${formatEdges(g.normal)}, normal_concat=${formatConcat(g.normalConcat)}, ` +
    `reduce=${formatEdges(g.reduce)}, reduce_concat=${formatConcat(g.reduceConcat)})`
  );
}

// ---------------------------------------------------------------------------------------------
// Parsing: a tokenizer and recursive-descent parser for the Python-literal subset genotypes use.

type TokenKind = 'ident' | 'int' | 'string' | 'punct' | 'end';
interface Token {
  kind: TokenKind;
  text: string;
  value?: string | number;
  offset: number;
}

/** A parsed literal with the offset where it starts. */
type Node =
  | { type: 'list'; items: Node[]; offset: number; bracket: '[' | '(' }
  | { type: 'int'; value: number; offset: number }
  | { type: 'string'; value: string; offset: number }
  | { type: 'range'; start: number; stop: number; offset: number };

class GenotypeParser {
  private readonly tokens: Token[];
  private pos = 0;

  constructor(
    private readonly text: string,
    private readonly ops: readonly DartsOp[] = DARTS_OPS,
  ) {
    this.tokens = this.tokenize();
  }

  fail(reason: string, offset: number, extra: GenotypePosition = {}): never {
    throw new GenotypeError(reason, { offset, ...lineColumn(this.text, offset), ...extra });
  }

  private tokenize(): Token[] {
    const t = this.text;
    const out: Token[] = [];
    let i = 0;
    while (i < t.length) {
      const c = t[i]!;
      if (/\s/.test(c)) {
        i++;
      } else if (/[A-Za-z_]/.test(c)) {
        const m = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(t.slice(i))!;
        out.push({ kind: 'ident', text: m[0], offset: i });
        i += m[0].length;
      } else if (/[0-9-]/.test(c)) {
        const m = /^-?[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?/.exec(t.slice(i));
        if (!m) this.fail(`unexpected character '${c}'`, i);
        if (m[1] !== undefined || m[2] !== undefined) this.fail(`expected an integer, found ${m[0]}`, i);
        out.push({ kind: 'int', text: m[0], value: Number(m[0]), offset: i });
        i += m[0].length;
      } else if (c === "'" || c === '"') {
        const end = t.indexOf(c, i + 1);
        const newline = t.indexOf('\n', i + 1);
        if (end < 0 || (newline >= 0 && newline < end)) this.fail('unterminated string', i);
        out.push({ kind: 'string', text: t.slice(i, end + 1), value: t.slice(i + 1, end), offset: i });
        i = end + 1;
      } else if ('()[],=:{}'.includes(c)) {
        out.push({ kind: 'punct', text: c, offset: i });
        i++;
      } else {
        this.fail(`unexpected character '${c}'`, i);
      }
    }
    out.push({ kind: 'end', text: 'end of text', offset: t.length });
    return out;
  }

  peek(): Token {
    return this.tokens[this.pos]!;
  }

  next(): Token {
    return this.tokens[this.pos++]!;
  }

  expect(text: string): Token {
    const tok = this.next();
    if (tok.text !== text || tok.kind === 'string') this.fail(`expected '${text}', found ${describeToken(tok)}`, tok.offset);
    return tok;
  }

  accept(text: string): boolean {
    const tok = this.peek();
    if (tok.kind === 'punct' && tok.text === text) {
      this.pos++;
      return true;
    }
    return false;
  }

  /** value := list | tuple | int | string | range(int, int) */
  value(): Node {
    const tok = this.next();
    if (tok.kind === 'int') return { type: 'int', value: tok.value as number, offset: tok.offset };
    if (tok.kind === 'string') return { type: 'string', value: tok.value as string, offset: tok.offset };
    if (tok.kind === 'ident' && tok.text === 'range') {
      this.expect('(');
      const a = this.next();
      if (a.kind !== 'int') this.fail(`expected an integer in range(), found ${describeToken(a)}`, a.offset);
      let start = 0;
      let stop = a.value as number;
      if (this.accept(',')) {
        const b = this.next();
        if (b.kind !== 'int') this.fail(`expected an integer in range(), found ${describeToken(b)}`, b.offset);
        start = a.value as number;
        stop = b.value as number;
      }
      this.expect(')');
      return { type: 'range', start, stop, offset: tok.offset };
    }
    if (tok.kind === 'punct' && (tok.text === '[' || tok.text === '(')) {
      const close = tok.text === '[' ? ']' : ')';
      const items: Node[] = [];
      while (!this.accept(close)) {
        items.push(this.value());
        if (this.accept(close)) break;
        const sep = this.next();
        if (sep.text !== ',' || sep.kind !== 'punct') this.fail(`expected ',' or '${close}', found ${describeToken(sep)}`, sep.offset);
      }
      return { type: 'list', items, offset: tok.offset, bracket: tok.text };
    }
    if (tok.kind === 'ident') {
      this.fail(`unexpected name '${tok.text}' (op names are quoted strings)`, tok.offset);
    }
    this.fail(`expected a value, found ${describeToken(tok)}`, tok.offset);
  }

  /**
   * genotype := [Genotype] '(' args ')' | '{' "key": value, … '}'
   * args are keyword (`normal=…`) in any order, or positional in namedtuple order.
   */
  genotype(): Map<string, { node: Node; keyOffset: number }> {
    const fields = new Map<string, { node: Node; keyOffset: number }>();
    const first = this.peek();
    if (first.kind === 'punct' && first.text === '{') return this.dict(fields);
    if (first.kind === 'ident') {
      // `Genotype(…)`, also `genotypes.Genotype(…)`, `DARTS_V2 = Genotype(…)`.
      this.next();
      const eq = this.peek();
      if (eq.kind === 'punct' && eq.text === '=' && this.tokens[this.pos + 1]!.kind === 'ident') this.pos += 2;
    }
    const open = this.next();
    if (open.text !== '(' || open.kind !== 'punct') {
      this.fail(`expected 'Genotype(', found ${describeToken(open)}`, open.offset);
    }
    let positional = 0;
    while (!this.accept(')')) {
      const tok = this.peek();
      const nextTok = this.tokens[this.pos + 1]!;
      let key: string;
      if (tok.kind === 'ident' && nextTok.text === '=' && nextTok.kind === 'punct') {
        key = tok.text;
        this.pos += 2;
      } else {
        if (positional >= FIELD_ORDER.length) this.fail('too many arguments to Genotype()', tok.offset);
        key = FIELD_ORDER[positional++]!;
      }
      this.addField(fields, key, tok.offset);
      if (this.accept(')')) break;
      const sep = this.next();
      if (sep.text !== ',' || sep.kind !== 'punct') this.fail(`expected ',' or ')', found ${describeToken(sep)}`, sep.offset);
    }
    const rest = this.peek();
    if (rest.kind !== 'end') this.fail(`unexpected ${describeToken(rest)} after the genotype`, rest.offset);
    return fields;
  }

  private dict(fields: Map<string, { node: Node; keyOffset: number }>): Map<string, { node: Node; keyOffset: number }> {
    this.expect('{');
    while (!this.accept('}')) {
      const keyTok = this.next();
      if (keyTok.kind !== 'string') this.fail(`expected a quoted key, found ${describeToken(keyTok)}`, keyTok.offset);
      this.expect(':');
      this.addField(fields, keyTok.value as string, keyTok.offset);
      if (this.accept('}')) break;
      const sep = this.next();
      if (sep.text !== ',' || sep.kind !== 'punct') this.fail(`expected ',' or '}', found ${describeToken(sep)}`, sep.offset);
    }
    const rest = this.peek();
    if (rest.kind !== 'end') this.fail(`unexpected ${describeToken(rest)} after the genotype`, rest.offset);
    return fields;
  }

  private addField(fields: Map<string, { node: Node; keyOffset: number }>, rawKey: string, keyOffset: number): void {
    const key = FIELD_ALIASES[rawKey];
    if (!key) this.fail(`unknown field '${rawKey}'; expected ${FIELD_ORDER.join(', ')}`, keyOffset);
    if (fields.has(key)) this.fail(`field '${key}' given twice`, keyOffset);
    fields.set(key, { node: this.value(), keyOffset });
  }

  /** Flat `[(op, i), …]` (8 edges) or nested per node `[[(op, i), (op, i)], …]` (4 nodes). */
  cell(cell: CellName, node: Node): Array<[DartsOp, number]> {
    if (node.type !== 'list') this.fail(`${cell} must be a list of (op, input) edges`, node.offset, { cell });
    const items = node.items;
    const nested = items.length > 0 && items.every((n) => n.type === 'list' && n.items.every((e) => e.type === 'list'));
    const edges: Node[] = [];
    if (nested) {
      if (items.length !== DARTS_NODES) {
        this.fail(`expected ${DARTS_NODES} nodes, found ${items.length}`, node.offset, { cell });
      }
      items.forEach((n, k) => {
        const list = n as Extract<Node, { type: 'list' }>;
        if (list.items.length !== DARTS_EDGES_PER_NODE) {
          this.fail(
            `expected ${DARTS_EDGES_PER_NODE} edges, found ${list.items.length}`,
            list.offset,
            { cell, node: DARTS_CELL_INPUTS + k },
          );
        }
        edges.push(...list.items);
      });
    } else {
      const expected = DARTS_NODES * DARTS_EDGES_PER_NODE;
      if (items.length !== expected) {
        const nodes = items.length / DARTS_EDGES_PER_NODE;
        const hint = Number.isInteger(nodes) ? ` (${nodes} node${nodes === 1 ? '' : 's'}; the DARTS cell has ${DARTS_NODES})` : '';
        this.fail(`expected ${expected} edges (${DARTS_NODES} nodes × ${DARTS_EDGES_PER_NODE}), found ${items.length}${hint}`, node.offset, { cell });
      }
      edges.push(...items);
    }
    return edges.map((e, i) => {
      const where = { cell, node: nodeOfEdge(i), edge: i };
      if (e.type !== 'list' || e.items.length !== 2) {
        this.fail(`expected an edge ('op', input)`, e.offset, where);
      }
      const [opNode, inputNode] = e.items as [Node, Node];
      if (opNode.type !== 'string') this.fail(`expected a quoted op name`, opNode.offset, where);
      if (inputNode.type !== 'int') this.fail(`expected an integer input index`, inputNode.offset, where);
      checkEdge(cell, i, opNode.value, inputNode.value, {
        op: { offset: opNode.offset, ...lineColumn(this.text, opNode.offset) },
        input: { offset: inputNode.offset, ...lineColumn(this.text, inputNode.offset) },
      }, this.ops);
      return [opNode.value as DartsOp, inputNode.value];
    });
  }

  concat(cell: CellName, node: Node): number[] {
    let values: number[];
    if (node.type === 'range') {
      values = [];
      for (let s = node.start; s < node.stop; s++) values.push(s);
    } else if (node.type === 'list') {
      values = node.items.map((n) => {
        if (n.type !== 'int') this.fail(`${cell}_concat must hold integers`, n.offset, { cell });
        return n.value;
      });
    } else {
      this.fail(`${cell}_concat must be range(a, b) or a list of node indices`, node.offset, { cell });
    }
    checkConcat(cell, values, { offset: node.offset, ...lineColumn(this.text, node.offset), cell });
    return values;
  }
}

const FIELD_ORDER = ['normal', 'normal_concat', 'reduce', 'reduce_concat'] as const;
const FIELD_ALIASES: Record<string, (typeof FIELD_ORDER)[number] | undefined> = {
  normal: 'normal',
  normal_concat: 'normal_concat',
  normalConcat: 'normal_concat',
  reduce: 'reduce',
  reduce_concat: 'reduce_concat',
  reduceConcat: 'reduce_concat',
};

function describeToken(tok: Token): string {
  if (tok.kind === 'end') return 'end of text';
  return `'${tok.text.length > 20 ? tok.text.slice(0, 20) + '…' : tok.text}'`;
}

/**
 * Parses the DARTS text form: `Genotype(normal=[('sep_conv_3x3', 0), …], normal_concat=range(2, 6),
 * reduce=[…], reduce_concat=range(2, 6))`. Accepted variants: flat (reference code) or nested
 * per-node edge lists (`[[('sep_conv_3x3', 0), ('skip_connect', 1)], …]`, e.g. pt.darts), concat
 * as `range(a, b)` or a list/tuple, keyword or positional fields, single or double quotes, any
 * whitespace and line breaks, and the same fields as a JSON object (`{"normal": [["sep_conv_3x3",
 * 0], …], "normal_concat": [2, 3, 4, 5], …}`). Throws `GenotypeError` with the offset, line,
 * column and the cell/node/edge that is wrong.
 */
export function parseGenotype(text: string): Genotype {
  return parseGenotypeWithOps(text, DARTS_OPS);
}

/** `parseGenotype` for the op set `ops`: an op outside it is an error naming the set. */
export function parseGenotypeWithOps(text: string, ops: readonly DartsOp[]): Genotype {
  const p = new GenotypeParser(text, ops);
  const fields = p.genotype();
  // Check what is written in text order first, then report missing fields.
  const values = new Map<string, unknown>();
  for (const [key, { node }] of [...fields].sort((a, b) => a[1].keyOffset - b[1].keyOffset)) {
    const cell: CellName = key.startsWith('normal') ? 'normal' : 'reduce';
    values.set(key, key.endsWith('_concat') ? p.concat(cell, node) : p.cell(cell, node));
  }
  for (const key of FIELD_ORDER) {
    if (!fields.has(key)) p.fail(`missing field '${key}'`, text.length);
  }
  return {
    normal: values.get('normal') as Genotype['normal'],
    normalConcat: values.get('normal_concat') as number[],
    reduce: values.get('reduce') as Genotype['reduce'],
    reduceConcat: values.get('reduce_concat') as number[],
  };
}

// ---------------------------------------------------------------------------------------------
// Other views of a genotype

/** The edges of one cell grouped by node: `[[edge, edge], …]` for states 2–5. */
export function edgesByNode(edges: ReadonlyArray<readonly [DartsOp, number]>): Array<Array<[DartsOp, number]>> {
  const nodes: Array<Array<[DartsOp, number]>> = [];
  for (let k = 0; k < DARTS_NODES; k++) {
    nodes.push(edges.slice(k * DARTS_EDGES_PER_NODE, (k + 1) * DARTS_EDGES_PER_NODE).map(([op, i]) => [op, i]));
  }
  return nodes;
}

/** `[op, from, to]` triples (the edge format of naslab's reference data files). */
export function genotypeToTriples(edges: ReadonlyArray<readonly [DartsOp, number]>): Array<[DartsOp, number, number]> {
  return edges.map(([op, input], i) => [op, input, nodeOfEdge(i)]);
}

/** Inverse of `genotypeToTriples`; the `to` of each triple must be its node in flat order. */
export function triplesToEdges(cell: CellName, triples: ReadonlyArray<readonly [string, number, number]>): Array<[DartsOp, number]> {
  return triples.map(([op, from, to], i) => {
    if (to !== nodeOfEdge(i)) {
      throw new GenotypeError(`edge feeds node ${to}, expected node ${nodeOfEdge(i)} in flat order`, { cell, edge: i, node: nodeOfEdge(i) });
    }
    checkEdge(cell, i, op, from);
    return [op as DartsOp, from];
  });
}

/**
 * Genotypes that differ only in the order of the two edges of a node describe the same
 * network (a node sums its edges). This key sorts each node's edges (by input, then op), so
 * equal architectures give equal keys; `formatGenotype` keeps the written order.
 */
export function architectureKey(g: Genotype): string {
  return architectureKeyWithOps(g, DARTS_OPS);
}

/** `architectureKey` for the op set `ops`. */
export function architectureKeyWithOps(g: Genotype, ops: readonly DartsOp[]): string {
  // DARTS' 8 come first in DARTS_KNOWN_OPS, so their order (and every default key) is unchanged.
  const rank = (op: DartsOp) => DARTS_KNOWN_OPS.indexOf(op);
  const sortCell = (edges: Genotype['normal']) =>
    edgesByNode(edges).flatMap((pair) => pair.sort((a, b) => a[1] - b[1] || rank(a[0]) - rank(b[0])));
  return formatGenotypeWithOps({ ...g, normal: sortCell(g.normal), reduce: sortCell(g.reduce) }, ops);
}

/** Longest path (in edges) from a cell input to the cell output, ignoring `none` edges. */
function cellDepth(edges: Genotype['normal'], concat: readonly number[]): number {
  const depth = new Map<number, number>([
    [0, 0],
    [1, 0],
  ]);
  edges.forEach(([op, input], i) => {
    const node = nodeOfEdge(i);
    const from = depth.get(input);
    const via = op === 'none' || from === undefined || from < 0 ? -1 : from + 1;
    depth.set(node, Math.max(depth.get(node) ?? -1, via));
  });
  return Math.max(0, ...concat.map((s) => depth.get(s) ?? 0));
}

/** Facts for reports: op counts per cell, parameterised ops, cell depth. */
export function describeGenotype(g: Genotype): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const cell of ['normal', 'reduce'] as const) {
    const edges = g[cell];
    for (const op of DARTS_KNOWN_OPS) {
      const n = edges.filter(([o]) => o === op).length;
      if (n) out[`${cell}.${op}`] = n;
    }
    out[`${cell}.parameterised`] = edges.filter(([o]) => o.includes('conv')).length;
    out[`${cell}.depth`] = cellDepth(edges, cell === 'normal' ? g.normalConcat : g.reduceConcat);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Well-known cells

/**
 * DARTS (first order), DARTS paper (Liu et al., ICLR 2019) and quark0/darts `cnn/genotypes.py`
 * `DARTS_V1`; edge order as written there.
 */
export const DARTS_V1: Genotype = {
  normal: [
    ['sep_conv_3x3', 1], ['sep_conv_3x3', 0],
    ['skip_connect', 0], ['sep_conv_3x3', 1],
    ['skip_connect', 0], ['sep_conv_3x3', 1],
    ['sep_conv_3x3', 0], ['skip_connect', 2],
  ],
  normalConcat: [2, 3, 4, 5],
  reduce: [
    ['max_pool_3x3', 0], ['max_pool_3x3', 1],
    ['skip_connect', 2], ['max_pool_3x3', 0],
    ['max_pool_3x3', 0], ['skip_connect', 2],
    ['skip_connect', 2], ['avg_pool_3x3', 0],
  ],
  reduceConcat: [2, 3, 4, 5],
};

/** DARTS (second order), the paper's reported cell; quark0/darts `DARTS_V2` (= `DARTS`). */
export const DARTS_V2: Genotype = {
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

/** Named genotypes; `DARTS` is the reference code's alias of `DARTS_V2`. */
export const GENOTYPES: Readonly<Record<string, Genotype>> = Object.freeze({
  DARTS_V1,
  DARTS_V2,
  DARTS: DARTS_V2,
});
