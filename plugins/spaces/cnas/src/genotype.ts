/**
 * CNAS genotypes (Weng et al., "Automatic Convolutional Neural Architecture Search for Image
 * Classification Under Different Scenes", IEEE Access 2019; code tianbaochou/CNAS, run by the
 * benchmark from antoyang/NAS-Benchmark `CNAS/`): the quark0/darts `Genotype` namedtuple with
 * 6 intermediate nodes and CNAS's ops. The text is what `CNAS/run/train_search.py` writes to
 * `genotype.txt` (`str(genotype)`), which `CNAS/darts/geno_types.py` also holds.
 *
 * A cell has two input states (0: output of the cell before the previous one, 1: of the previous
 * cell) and six intermediate nodes, states 2–7. Node `s` sums two edges, each an op applied to an
 * earlier state (0 … s−1). A genotype lists the 12 edges node by node, two per node, as
 * `(op, input state)`; `*_concat` lists the states concatenated into the cell output.
 */
import { ParseError } from '@naslab/core';

/** `CNAS/darts/operations.py` `PRIMITIVES`, in order. */
export const CNAS_OPS = [
  'none',
  'skip_connect',
  'cweight_com',
  'avg_pool_3x3',
  'max_pool_3x3',
  'sep_conv_3x3',
  'dil_conv_3x3',
  'shuffle_conv_3x3',
] as const;
export type CnasOp = (typeof CNAS_OPS)[number];
export type CnasEdge = [CnasOp, number];

export interface CnasGenotype {
  normal: CnasEdge[];
  normalConcat: number[];
  reduce: CnasEdge[];
  reduceConcat: number[];
}

/** Intermediate nodes per cell (`--num-meta-node 6`). */
export const CNAS_NODES = 6;
export const CNAS_EDGES_PER_NODE = 2;
export const CNAS_CELL_INPUTS = 2;
/** Edges per cell in the genotype (the supernet has 2+3+…+7 = 27). */
export const CNAS_EDGES = CNAS_NODES * CNAS_EDGES_PER_NODE;
/** What CNAS concatenates: every intermediate node, `range(2, 8)`. */
export const CNAS_CONCAT: readonly number[] = [2, 3, 4, 5, 6, 7];

export type CellName = 'normal' | 'reduce';

const OP_SET: ReadonlySet<string> = new Set(CNAS_OPS);

export function isCnasOp(name: string): name is CnasOp {
  return OP_SET.has(name);
}

/** Node (state index, 2–7) that edge `edge` of a flat cell list feeds. */
export function nodeOfEdge(edge: number): number {
  return CNAS_CELL_INPUTS + Math.floor(edge / CNAS_EDGES_PER_NODE);
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
  /** State index of the intermediate node (2–7). */
  readonly node?: number;
  /** 0-based index of the edge in the cell's flat list (0–11). */
  readonly edge?: number;
}

/**
 * A malformed CNAS genotype. The message starts with `line:column` (when parsing text) and names
 * the cell, node and edge, e.g.
 * `1:64: normal cell, node 3 (edge 3 of 12): input 4 is out of range: node 3 takes inputs 0–2`.
 */
export class CnasGenotypeError extends ParseError {
  readonly position: GenotypePosition;
  constructor(reason: string, position: GenotypePosition = {}) {
    super(reason, { line: position.line, column: position.column, where: describePosition(position) });
    this.name = 'CnasGenotypeError';
    this.position = position;
  }
}

/** `normal cell, node 3`: the place of a position, without line and column. */
function describePosition(p: GenotypePosition): string | undefined {
  const where: string[] = [];
  if (p.cell) where.push(`${p.cell} cell`);
  if (p.node !== undefined) {
    where.push(`node ${p.node}${p.edge !== undefined ? ` (edge ${p.edge + 1} of ${CNAS_EDGES})` : ''}`);
  }
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

// ---------------------------------------------------------------------------------------------
// Validation (shared by the parser and by code that builds genotypes as objects)

function checkEdge(cell: CellName, edge: number, op: unknown, input: unknown, at: { op?: GenotypePosition; input?: GenotypePosition } = {}): void {
  const node = nodeOfEdge(edge);
  if (typeof op !== 'string' || !isCnasOp(op)) {
    throw new CnasGenotypeError(`unknown op ${JSON.stringify(op)}; the CNAS ops are ${CNAS_OPS.join(', ')}`, { ...at.op, cell, node, edge });
  }
  if (typeof input !== 'number' || !Number.isInteger(input) || input < 0 || input >= node) {
    throw new CnasGenotypeError(`input ${String(input)} is out of range: node ${node} takes inputs 0–${node - 1}`, { ...at.input, cell, node, edge });
  }
}

function checkEdgeCount(cell: CellName, count: number, at: GenotypePosition = {}): void {
  if (count === CNAS_EDGES) return;
  const nodes = count / CNAS_EDGES_PER_NODE;
  const hint = Number.isInteger(nodes) ? ` (${nodes} node${nodes === 1 ? '' : 's'}; the CNAS cell has ${CNAS_NODES})` : '';
  throw new CnasGenotypeError(`expected ${CNAS_EDGES} edges (${CNAS_NODES} nodes × ${CNAS_EDGES_PER_NODE}), found ${count}${hint}`, { ...at, cell });
}

function checkConcat(cell: CellName, concat: unknown, at: GenotypePosition = {}): void {
  const last = CNAS_CELL_INPUTS + CNAS_NODES - 1;
  const field = `${cell}_concat`;
  if (!Array.isArray(concat) || concat.length === 0) throw new CnasGenotypeError(`${field} must list at least one node`, at);
  let previous = -1;
  for (const s of concat) {
    if (typeof s !== 'number' || !Number.isInteger(s) || s < CNAS_CELL_INPUTS || s > last) {
      throw new CnasGenotypeError(`${field} holds ${String(s)}; the intermediate nodes are ${CNAS_CELL_INPUTS}–${last}`, at);
    }
    if (s <= previous) throw new CnasGenotypeError(`${field} must list distinct nodes in increasing order`, at);
    previous = s;
  }
}

/** Throws a `CnasGenotypeError` naming the cell/node/edge if `g` is not a CNAS-space genotype. */
export function validateCnasGenotype(g: CnasGenotype): CnasGenotype {
  for (const cell of ['normal', 'reduce'] as const) {
    const edges = g[cell];
    if (!Array.isArray(edges)) throw new CnasGenotypeError('missing edge list', { cell });
    checkEdgeCount(cell, edges.length);
    edges.forEach((e, i) => checkEdge(cell, i, e?.[0], e?.[1]));
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

function formatEdges(edges: readonly CnasEdge[]): string {
  return `[${edges.map(([op, input]) => `('${op}', ${input})`).join(', ')}]`;
}

/**
 * Canonical text: Python's repr of the `Genotype` namedtuple, as the CNAS search writes it
 * (contiguous concats as `range(a, b)`); the edge order is kept as given.
 */
export function formatCnasGenotype(g: CnasGenotype): string {
  validateCnasGenotype(g);
  return (
    `Genotype(normal=${formatEdges(g.normal)}, normal_concat=${formatConcat(g.normalConcat)}, ` +
    `reduce=${formatEdges(g.reduce)}, reduce_concat=${formatConcat(g.reduceConcat)})`
  );
}

// ---------------------------------------------------------------------------------------------
// Parsing: the Python-literal subset genotypes use (names, ints, quoted strings, lists, tuples,
// `range(a, b)`), with the offset of every value kept for error messages.

type Value =
  | { type: 'list'; items: Value[]; offset: number }
  | { type: 'int'; value: number; offset: number }
  | { type: 'string'; value: string; offset: number }
  | { type: 'range'; start: number; stop: number; offset: number };

interface Token {
  kind: 'ident' | 'int' | 'string' | 'punct' | 'end';
  text: string;
  offset: number;
}

const FIELD_ORDER = ['normal', 'normal_concat', 'reduce', 'reduce_concat'] as const;
type Field = (typeof FIELD_ORDER)[number];

class GenotypeParser {
  private readonly tokens: Token[] = [];
  private pos = 0;

  constructor(private readonly text: string) {
    const re = /\s+|([A-Za-z_][A-Za-z0-9_.]*)|(-?[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?)|('[^'\n]*'|"[^"\n]*")|([()[\],=])/y;
    let i = 0;
    while (i < text.length) {
      re.lastIndex = i;
      const m = re.exec(text);
      if (!m) {
        const c = text[i]!;
        this.fail(c === "'" || c === '"' ? 'unterminated string' : `unexpected character '${c}'`, i);
      }
      if (m[1]) this.tokens.push({ kind: 'ident', text: m[1], offset: i });
      else if (m[2]) {
        if (!/^-?[0-9]+$/.test(m[2])) this.fail(`expected an integer, found ${m[2]}`, i);
        this.tokens.push({ kind: 'int', text: m[2], offset: i });
      } else if (m[3]) this.tokens.push({ kind: 'string', text: m[3], offset: i });
      else if (m[4]) this.tokens.push({ kind: 'punct', text: m[4], offset: i });
      i = re.lastIndex;
    }
    this.tokens.push({ kind: 'end', text: 'end of text', offset: text.length });
  }

  fail(reason: string, offset: number, extra: GenotypePosition = {}): never {
    throw new CnasGenotypeError(reason, { ...lineColumn(this.text, offset), ...extra });
  }

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.pos + ahead, this.tokens.length - 1)]!;
  }

  private next(): Token {
    return this.tokens[Math.min(this.pos++, this.tokens.length - 1)]!;
  }

  private isPunct(tok: Token, text: string): boolean {
    return tok.kind === 'punct' && tok.text === text;
  }

  private expectPunct(text: string): void {
    const tok = this.next();
    if (!this.isPunct(tok, text)) this.fail(`expected '${text}', found ${describe(tok)}`, tok.offset);
  }

  private value(): Value {
    const tok = this.next();
    if (tok.kind === 'int') return { type: 'int', value: Number(tok.text), offset: tok.offset };
    if (tok.kind === 'string') return { type: 'string', value: tok.text.slice(1, -1), offset: tok.offset };
    if (tok.kind === 'ident' && tok.text === 'range') {
      this.expectPunct('(');
      const a = this.next();
      if (a.kind !== 'int') this.fail(`expected an integer in range(), found ${describe(a)}`, a.offset);
      let [start, stop] = [0, Number(a.text)];
      if (this.isPunct(this.peek(), ',')) {
        this.pos++;
        const b = this.next();
        if (b.kind !== 'int') this.fail(`expected an integer in range(), found ${describe(b)}`, b.offset);
        [start, stop] = [Number(a.text), Number(b.text)];
      }
      this.expectPunct(')');
      return { type: 'range', start, stop, offset: tok.offset };
    }
    if (this.isPunct(tok, '[') || this.isPunct(tok, '(')) {
      const close = tok.text === '[' ? ']' : ')';
      const items: Value[] = [];
      while (!this.isPunct(this.peek(), close)) {
        items.push(this.value());
        if (this.isPunct(this.peek(), close)) break;
        const sep = this.next();
        if (!this.isPunct(sep, ',')) this.fail(`expected ',' or '${close}', found ${describe(sep)}`, sep.offset);
      }
      this.pos++;
      return { type: 'list', items, offset: tok.offset };
    }
    if (tok.kind === 'ident') this.fail(`unexpected name '${tok.text}' (op names are quoted strings)`, tok.offset);
    this.fail(`expected a value, found ${describe(tok)}`, tok.offset);
  }

  /** `[NAME =] [Genotype](field=value, …)`, keyword fields in any order or positional in namedtuple order. */
  fields(): Map<Field, Value> {
    if (this.peek().kind === 'ident' && this.isPunct(this.peek(1), '=') && this.peek(2).kind === 'ident') this.pos += 2;
    if (this.peek().kind === 'ident') this.pos++;
    const open = this.next();
    if (!this.isPunct(open, '(')) this.fail(`expected 'Genotype(', found ${describe(open)}`, open.offset);
    const fields = new Map<Field, Value>();
    let positional = 0;
    while (!this.isPunct(this.peek(), ')')) {
      const tok = this.peek();
      let key: string;
      if (tok.kind === 'ident' && this.isPunct(this.peek(1), '=')) {
        key = tok.text.replace(/Concat$/, '_concat');
        this.pos += 2;
      } else {
        if (positional >= FIELD_ORDER.length) this.fail('too many arguments to Genotype()', tok.offset);
        key = FIELD_ORDER[positional++]!;
      }
      if (!(FIELD_ORDER as readonly string[]).includes(key)) this.fail(`unknown field '${tok.text}'; expected ${FIELD_ORDER.join(', ')}`, tok.offset);
      if (fields.has(key as Field)) this.fail(`field '${key}' given twice`, tok.offset);
      fields.set(key as Field, this.value());
      if (this.isPunct(this.peek(), ')')) break;
      const sep = this.next();
      if (!this.isPunct(sep, ',')) this.fail(`expected ',' or ')', found ${describe(sep)}`, sep.offset);
    }
    this.pos++;
    const rest = this.peek();
    if (rest.kind !== 'end') this.fail(`unexpected ${describe(rest)} after the genotype`, rest.offset);
    for (const key of FIELD_ORDER) if (!fields.has(key)) this.fail(`missing field '${key}'`, this.text.length);
    return fields;
  }

  cell(cell: CellName, v: Value): CnasEdge[] {
    if (v.type !== 'list') this.fail(`${cell} must be a list of (op, input) edges`, v.offset, { cell });
    checkEdgeCount(cell, v.items.length, lineColumn(this.text, v.offset));
    return v.items.map((e, i) => {
      const where = { cell, node: nodeOfEdge(i), edge: i };
      if (e.type !== 'list' || e.items.length !== 2) this.fail(`expected an edge ('op', input)`, e.offset, where);
      const [op, input] = e.items as [Value, Value];
      if (op.type !== 'string') this.fail('expected a quoted op name', op.offset, where);
      if (input.type !== 'int') this.fail('expected an integer input index', input.offset, where);
      checkEdge(cell, i, op.value, input.value, { op: lineColumn(this.text, op.offset), input: lineColumn(this.text, input.offset) });
      return [op.value as CnasOp, input.value];
    });
  }

  concat(cell: CellName, v: Value): number[] {
    let values: number[];
    if (v.type === 'range') {
      values = [];
      for (let s = v.start; s < v.stop; s++) values.push(s);
    } else if (v.type === 'list') {
      values = v.items.map((n) => (n.type === 'int' ? n.value : this.fail(`${cell}_concat must hold integers`, n.offset, { cell })));
    } else {
      this.fail(`${cell}_concat must be range(a, b) or a list of node indices`, v.offset, { cell });
    }
    checkConcat(cell, values, { ...lineColumn(this.text, v.offset), cell });
    return values;
  }
}

function describe(tok: Token): string {
  if (tok.kind === 'end') return 'end of text';
  return `'${tok.text.length > 20 ? tok.text.slice(0, 20) + '…' : tok.text}'`;
}

/**
 * Parses `Genotype(normal=[('sep_conv_3x3', 1), …], normal_concat=range(2, 8), reduce=[…],
 * reduce_concat=range(2, 8))`: keyword fields in any order or positional ones, concat as
 * `range(a, b)` or a list/tuple, single or double quotes, any whitespace, and a leading `NAME =` as
 * in `geno_types.py`. Throws `CnasGenotypeError` with the line, column and cell/node/edge.
 */
export function parseCnasGenotype(text: string): CnasGenotype {
  const p = new GenotypeParser(text);
  const fields = p.fields();
  // Check in text order, so the first mistake in the text is the one reported.
  const ordered = [...fields].sort((a, b) => a[1].offset - b[1].offset);
  const out = new Map<Field, CnasEdge[] | number[]>();
  for (const [key, v] of ordered) {
    const cell: CellName = key.startsWith('normal') ? 'normal' : 'reduce';
    out.set(key, key.endsWith('_concat') ? p.concat(cell, v) : p.cell(cell, v));
  }
  return {
    normal: out.get('normal') as CnasEdge[],
    normalConcat: out.get('normal_concat') as number[],
    reduce: out.get('reduce') as CnasEdge[],
    reduceConcat: out.get('reduce_concat') as number[],
  };
}

// ---------------------------------------------------------------------------------------------
// Other views

/**
 * Genotypes that differ only in the order of a node's two edges are the same network (a node
 * sums its edges); this key sorts each node's edges (by input, then op) so they get equal keys.
 */
export function cnasArchitectureKey(g: CnasGenotype): string {
  const sortCell = (edges: readonly CnasEdge[]) => {
    const out: CnasEdge[] = [];
    for (let k = 0; k < CNAS_NODES; k++) {
      const pair = edges.slice(2 * k, 2 * k + 2).map(([op, i]): CnasEdge => [op, i]);
      pair.sort((a, b) => a[1] - b[1] || CNAS_OPS.indexOf(a[0]) - CNAS_OPS.indexOf(b[0]));
      out.push(...pair);
    }
    return out;
  };
  return formatCnasGenotype({ ...g, normal: sortCell(g.normal), reduce: sortCell(g.reduce) });
}

/** Facts for reports: op counts per cell and the number of parameterised ops. */
export function describeCnasGenotype(g: CnasGenotype): Record<string, number> {
  const out: Record<string, number> = {};
  for (const cell of ['normal', 'reduce'] as const) {
    for (const op of CNAS_OPS) {
      const n = g[cell].filter(([o]) => o === op).length;
      if (n) out[`${cell}.${op}`] = n;
    }
    out[`${cell}.parameterised`] = g[cell].filter(([o]) => o.includes('conv') || o === 'cweight_com').length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Published cells

/**
 * `DARTS_MORE_V4` of `CNAS/darts/geno_types.py:25-31` ("meta-node = 6; one step"), the only
 * 6-node cell in the code (the paper's reported cell is not identified there); edge order as written.
 */
export const DARTS_MORE_V4: CnasGenotype = {
  normal: [
    ['sep_conv_3x3', 1], ['shuffle_conv_3x3', 0],
    ['skip_connect', 0], ['cweight_com', 1],
    ['cweight_com', 3], ['cweight_com', 1],
    ['cweight_com', 4], ['cweight_com', 3],
    ['cweight_com', 3], ['cweight_com', 4],
    ['cweight_com', 4], ['cweight_com', 3],
  ],
  normalConcat: [2, 3, 4, 5, 6, 7],
  reduce: [
    ['max_pool_3x3', 1], ['cweight_com', 0],
    ['max_pool_3x3', 1], ['skip_connect', 2],
    ['skip_connect', 2], ['max_pool_3x3', 1],
    ['skip_connect', 3], ['skip_connect', 4],
    ['skip_connect', 4], ['skip_connect', 3],
    ['skip_connect', 4], ['skip_connect', 3],
  ],
  reduceConcat: [2, 3, 4, 5, 6, 7],
};

/** Names `parse` accepts besides genotype text. */
export const CNAS_GENOTYPES: Readonly<Record<string, CnasGenotype>> = Object.freeze({ DARTS_MORE_V4 });

/** A name from `CNAS_GENOTYPES` or genotype text; throws `CnasGenotypeError`. */
export function resolveCnasGenotype(text: string): CnasGenotype {
  const name = text.trim();
  const known = Object.hasOwn(CNAS_GENOTYPES, name) ? CNAS_GENOTYPES[name] : undefined;
  if (known) return structuredClone(known);
  return parseCnasGenotype(text);
}
