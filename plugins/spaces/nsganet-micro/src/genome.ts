/**
 * NSGA-Net micro genomes (Lu, Whalen, Boddeti, Dhebar, Deb, Goodman & Banzhaf, "NSGA-Net: Neural
 * Architecture Search using Multi-Objective Genetic Algorithm", GECCO 2019; code ianwhale/nsga-net,
 * run by the benchmark from antoyang/NAS-Benchmark `NSGANET/`).
 *
 * A cell has two input states (0: c_{k−2}, 1: c_{k−1}) and B blocks (states 2 … B+1). Block b
 * (0-based) has two units `[op, input]`, input among the states 0 … b+1 (repeats allowed), whose
 * outputs are summed. The genome is the bit-string `search/micro_encoding.py` converts: per block
 * `op1 in1 op2 in2`, the normal cell then the reduction cell. The search uses B = 5 (40 integers),
 * the benchmark's random sampler B = 4 (32 integers). `decode()` makes the cell output the
 * concatenation of the loose ends, the states no unit reads.
 */
import { ParseError } from '@naslab/core';

/** `PRIMITIVES` of `search/micro_encoding.py`, ids 0–8. */
export const NSGANET_OPS = [
  'max_pool_3x3',
  'avg_pool_3x3',
  'skip_connect',
  'sep_conv_3x3',
  'sep_conv_5x5',
  'dil_conv_3x3',
  'dil_conv_5x5',
  'sep_conv_7x7',
  'conv_7x1_1x7',
] as const;
export type NsganetOp = (typeof NSGANET_OPS)[number];

/** Blocks per cell in the search (`n_blocks=5`). */
export const NSGANET_SEARCH_BLOCKS = 5;
/** Blocks per cell of the benchmark's random sampler (`NSGANET/README.md`). */
export const NSGANET_SAMPLER_BLOCKS = 4;
export const NSGANET_CELL_INPUTS = 2;

export type CellName = 'normal' | 'reduce';
export const UNIT_FIELDS = ['op1', 'in1', 'op2', 'in2'] as const;

/** Per cell 4·B integers, `op1 in1 op2 in2` per block; both cells have the same B. */
export interface NsganetGenome {
  normal: number[];
  reduce: number[];
}

export interface GenomePosition {
  readonly line?: number;
  readonly column?: number;
  readonly cell?: CellName;
  /** 0-based block, as the genome lists it. */
  readonly block?: number;
  readonly field?: (typeof UNIT_FIELDS)[number];
}

/** A malformed genome: `line:column: normal cell, block 2, in1: …`. */
export class NsganetGenomeError extends ParseError {
  readonly position: GenomePosition;
  constructor(reason: string, position: GenomePosition = {}) {
    const where = [position.cell && `${position.cell} cell`, position.block !== undefined && `block ${position.block}`, position.field].filter(Boolean).join(', ');
    super(reason, { line: position.line, column: position.column, where: where || undefined });
    this.name = 'NsganetGenomeError';
    this.position = position;
  }
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  return { line: before.split('\n').length, column: offset - (before.lastIndexOf('\n') + 1) + 1 };
}

export function blocksOf(g: NsganetGenome): number {
  return g.normal.length / 4;
}

function checkValue(cell: CellName, k: number, v: unknown, at: GenomePosition = {}): void {
  const block = Math.floor(k / 4);
  const field = UNIT_FIELDS[k % 4]!;
  const where = { ...at, cell, block, field };
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new NsganetGenomeError(`expected an integer, got ${JSON.stringify(v)}`, where);
  if (field.startsWith('in')) {
    if (v < 0 || v > block + 1) throw new NsganetGenomeError(`input ${v} is out of range: block ${block} reads states 0–${block + 1}`, where);
  } else if (v < 0 || v >= NSGANET_OPS.length) {
    throw new NsganetGenomeError(`op ${v} is not an NSGA-Net op (${NSGANET_OPS.map((o, i) => `${i} ${o}`).join(', ')})`, where);
  }
}

/** Throws `NsganetGenomeError` unless both cells have the same 1–5 blocks of valid units. */
export function validateNsganetGenome(g: NsganetGenome): NsganetGenome {
  for (const cell of ['normal', 'reduce'] as const) {
    const values = g?.[cell];
    if (!Array.isArray(values) || values.length === 0 || values.length % 4 !== 0 || values.length > 4 * NSGANET_SEARCH_BLOCKS) {
      throw new NsganetGenomeError(`expected 4 integers per block, 1–${NSGANET_SEARCH_BLOCKS} blocks, found ${Array.isArray(values) ? values.length : 'none'}`, { cell });
    }
    values.forEach((v, k) => checkValue(cell, k, v));
  }
  if (g.normal.length !== g.reduce.length) throw new NsganetGenomeError(`the cells have ${blocksOf(g)} and ${g.reduce.length / 4} blocks`, { cell: 'reduce' });
  return g;
}

/** The bit-string, space separated, normal cell first (`' '.join(map(str, genome))`). */
export function formatNsganetGenome(g: NsganetGenome): string {
  validateNsganetGenome(g);
  return [...g.normal, ...g.reduce].join(' ');
}

/**
 * Parses the bit-string (integers separated by white space or commas; 40 for 5 blocks, 32 for 4)
 * or the nested genome list of `convert()` / the README, `[[[[op, in], [op, in]], …], […]]`.
 */
export function parseNsganetGenome(text: string): NsganetGenome {
  const ints: Array<{ value: number; offset: number }> = [];
  const re = /[\s,[\]]+|(-?\d+)/y;
  let depth = 0;
  for (let i = 0; i < text.length; ) {
    re.lastIndex = i;
    const m = re.exec(text);
    if (!m) {
      const bad = /^[^\s,[\]]+/.exec(text.slice(i))![0];
      throw new NsganetGenomeError(`expected an integer, found '${bad.length > 20 ? `${bad.slice(0, 20)}…` : bad}'`, lineColumn(text, i));
    }
    if (m[1]) ints.push({ value: Number(m[1]), offset: i });
    else
      for (const ch of m[0]) {
        depth += ch === '[' ? 1 : ch === ']' ? -1 : 0;
        if (depth < 0) throw new NsganetGenomeError("unbalanced ']'", lineColumn(text, i));
      }
    i = re.lastIndex;
  }
  if (depth !== 0) throw new NsganetGenomeError("unbalanced '['", lineColumn(text, text.length));
  const n = ints.length;
  if (n === 0 || n % 8 !== 0 || n > 8 * NSGANET_SEARCH_BLOCKS) {
    const at = n > 8 * NSGANET_SEARCH_BLOCKS ? ints[8 * NSGANET_SEARCH_BLOCKS]!.offset : text.length;
    throw new NsganetGenomeError(`expected 8 integers per block pair (40 for 5 blocks, 32 for 4), found ${n}`, lineColumn(text, at));
  }
  const half = n / 2;
  ints.forEach((t, k) => checkValue(k < half ? 'normal' : 'reduce', k % half, t.value, lineColumn(text, t.offset)));
  const values = ints.map((t) => t.value);
  return { normal: values.slice(0, half), reduce: values.slice(half) };
}

/** `decode()`'s concat: the states 2 … B+1 no unit reads (cell inputs are never in it). */
export function looseEnds(cell: readonly number[]): number[] {
  const blocks = cell.length / 4;
  const read = new Set<number>();
  for (let b = 0; b < blocks; b++) {
    read.add(cell[4 * b + 1]!);
    read.add(cell[4 * b + 3]!);
  }
  return Array.from({ length: blocks }, (_, b) => b + NSGANET_CELL_INPUTS).filter((s) => !read.has(s));
}

/** The quark0 `Genotype` `decode()` gives: `[(op, input)…]` per cell and the loose-end concats. */
export function decodeNsganetGenome(g: NsganetGenome): { normal: Array<[NsganetOp, number]>; normal_concat: number[]; reduce: Array<[NsganetOp, number]>; reduce_concat: number[] } {
  const units = (c: readonly number[]) => Array.from({ length: c.length / 2 }, (_, u) => [NSGANET_OPS[c[2 * u]!]!, c[2 * u + 1]!] as [NsganetOp, number]);
  return { normal: units(g.normal), normal_concat: looseEnds(g.normal), reduce: units(g.reduce), reduce_concat: looseEnds(g.reduce) };
}

/** Units are summed: this key orders each block's two units. */
export function nsganetGenomeKey(g: NsganetGenome): string {
  const sortCell = (c: readonly number[]) =>
    Array.from({ length: c.length / 4 }, (_, b) => {
      const u = [c[4 * b]!, c[4 * b + 1]!];
      const v = [c[4 * b + 2]!, c[4 * b + 3]!];
      return u[1]! < v[1]! || (u[1] === v[1] && u[0]! <= v[0]!) ? [...u, ...v] : [...v, ...u];
    }).flat();
  return formatNsganetGenome({ normal: sortCell(g.normal), reduce: sortCell(g.reduce) });
}

/** Facts for reports: op counts per cell and the number of loose ends. */
export function describeNsganetGenome(g: NsganetGenome): Record<string, number> {
  const out: Record<string, number> = { blocks: blocksOf(g) };
  for (const cell of ['normal', 'reduce'] as const) {
    for (let k = 0; k < g[cell].length; k += 2) {
      const key = `${cell}.${NSGANET_OPS[g[cell][k]!]}`;
      out[key] = (out[key] ?? 0) + 1;
    }
    out[`${cell}.loose_ends`] = looseEnds(g[cell]).length;
  }
  return out;
}

const bits = (text: string): NsganetGenome => {
  const v = text.split(/\s+/).map(Number);
  return { normal: v.slice(0, v.length / 2), reduce: v.slice(v.length / 2) };
};

/** `micro_genotypes.NSGANet` (`NSGANET/models/micro_genotypes.py` l.128-155) as its bit-string. */
export const NSGANET = bits('2 0 0 0 6 0 0 0 6 1 3 3 0 1 4 3 3 1 3 0 1 0 3 1 5 1 0 0 2 2 6 1 2 2 1 1 6 1 5 1');

export const NSGANET_GENOMES: Readonly<Record<string, NsganetGenome>> = Object.freeze({ NSGANet: NSGANET });

/** A name from `NSGANET_GENOMES` or genome text. */
export function resolveNsganetGenome(text: string): NsganetGenome {
  const known = Object.hasOwn(NSGANET_GENOMES, text.trim()) ? NSGANET_GENOMES[text.trim()] : undefined;
  return known ? structuredClone(known) : parseNsganetGenome(text);
}
