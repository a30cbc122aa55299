/**
 * The NAS-Bench-201 cell (Dong & Yang, ICLR 2020): 4 nodes, node 0 is the cell input, node 3
 * its output; each of the 6 edges i→j (i < j) carries one of 5 operations.
 *
 * An architecture is the 6 op indices in the order of the standard string
 * `|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`, i.e. edges 0→1, 0→2, 1→2, 0→3, 1→3, 2→3.
 */

/** Operation names, in NB201's own search-space order (`get_search_spaces('cell', 'nas-bench-201')`). */
export const NB201_OPS = ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'] as const;
export type Nb201Op = (typeof NB201_OPS)[number];

export const NUM_OPS = NB201_OPS.length;
export const NUM_EDGES = 6;
/** 5^6 architectures. */
export const NB201_SIZE = 15625;

/** `[from, to]` of each edge, in arch-string order. */
export const NB201_EDGES: readonly (readonly [number, number])[] = [
  [0, 1],
  [0, 2],
  [1, 2],
  [0, 3],
  [1, 3],
  [2, 3],
];

/** Six op indices (0..4) in arch-string order. */
export type Nb201Arch = readonly number[];

const opIndex = new Map<string, number>(NB201_OPS.map((op, i) => [op, i]));

export function opIndexOf(name: string): number | undefined {
  return opIndex.get(name);
}

export function isNb201Arch(value: unknown): value is Nb201Arch {
  return (
    Array.isArray(value) &&
    value.length === NUM_EDGES &&
    value.every((v) => Number.isInteger(v) && v >= 0 && v < NUM_OPS)
  );
}

export function formatArch(arch: Nb201Arch): string {
  const o = arch.map((i) => NB201_OPS[i]);
  return `|${o[0]}~0|+|${o[1]}~0|${o[2]}~1|+|${o[3]}~0|${o[4]}~1|${o[5]}~2|`;
}

/** Parse the standard string; errors name the character position and what was expected. */
export function parseArch(text: string): Nb201Arch {
  const fail = (pos: number, msg: string): never => {
    throw new Error(`invalid NAS-Bench-201 architecture at character ${pos + 1}: ${msg} (in "${text}"; expected |op~0|+|op~0|op~1|+|op~0|op~1|op~2|)`);
  };
  const s = text.trim();
  const offset = text.indexOf(s);
  const nodes = s.split('+');
  if (nodes.length !== 3) fail(offset, `expected 3 nodes separated by "+", found ${nodes.length}`);
  const ops: number[] = [];
  let pos = offset;
  nodes.forEach((node, n) => {
    if (!node.startsWith('|') || !node.endsWith('|') || node.length < 2) fail(pos, `node ${n + 1} must be written |op~i|…|`);
    const edges = node.slice(1, -1).split('|');
    if (edges.length !== n + 1) fail(pos, `node ${n + 1} must have ${n + 1} incoming edge(s), found ${edges.length}`);
    let epos = pos + 1;
    edges.forEach((edge, from) => {
      const tilde = edge.lastIndexOf('~');
      if (tilde < 0) fail(epos, `edge "${edge}" lacks "~<input node>"`);
      const name = edge.slice(0, tilde);
      const input = edge.slice(tilde + 1);
      const op = opIndex.get(name);
      if (op === undefined) fail(epos, `unknown operation "${name}" (known: ${NB201_OPS.join(', ')})`);
      if (input !== String(from)) fail(epos + tilde + 1, `edge ${from + 1} of node ${n + 1} must come from node ${from}, found "${input}"`);
      ops.push(op!);
      epos += edge.length + 1;
    });
    pos += node.length + 1;
  });
  return ops;
}

/**
 * Lexicographic code 0..15624: the op of edge 0→1 is the most significant base-5 digit. This is
 * the order in which NB201's `CellStructure.gen_all` enumerates the space (before its shuffle).
 */
export function archCode(arch: Nb201Arch): number {
  let c = 0;
  for (let e = 0; e < NUM_EDGES; e++) c = c * NUM_OPS + arch[e]!;
  return c;
}

export function archFromCode(code: number): Nb201Arch {
  if (!Number.isInteger(code) || code < 0 || code >= NB201_SIZE) throw new RangeError(`NB201 code must be an integer in 0..${NB201_SIZE - 1}, got ${code}`);
  const ops = new Array<number>(NUM_EDGES);
  for (let e = NUM_EDGES - 1; e >= 0; e--) {
    ops[e] = code % NUM_OPS;
    code = Math.floor(code / NUM_OPS);
  }
  return ops;
}
