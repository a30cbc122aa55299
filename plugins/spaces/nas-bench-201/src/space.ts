import type { Json, Rng, SearchSpace } from '@naslab/core';
import {
  NB201_EDGES,
  NB201_OPS,
  NB201_SIZE,
  NUM_EDGES,
  NUM_OPS,
  archCode,
  archFromCode,
  formatArch,
  isNb201Arch,
  parseArch,
  type Nb201Arch,
} from './cell.js';
import { encode, encodeInto, encodingLength, type Nb201Encoding } from './encodings.js';
import { codeAtOfficialIndex, officialIndexOfCode } from './official-index.js';

/**
 * The NB201 search space: core's `SearchSpace` plus what query-based methods use
 * (enumeration by official index, mutation, neighbourhood, encodings).
 */
export class NasBench201Space implements SearchSpace<Nb201Arch> {
  readonly id = 'nas-bench-201';
  readonly ops = NB201_OPS;
  readonly edges = NB201_EDGES;
  /** Number of architectures (5^6); `atIndex(0..size-1)` enumerates them. */
  readonly size = NB201_SIZE;

  /** Uniform over all 15,625 cells: each edge's op drawn uniformly and independently. */
  sample(rng: Rng): Nb201Arch {
    const ops = new Array<number>(NUM_EDGES);
    for (let e = 0; e < NUM_EDGES; e++) ops[e] = rng.int(NUM_OPS);
    return ops;
  }

  format(arch: Nb201Arch): string {
    if (!isNb201Arch(arch)) throw new Error(`not an NB201 architecture: ${JSON.stringify(arch)}`);
    return formatArch(arch);
  }

  parse(text: string): Nb201Arch {
    return parseArch(text);
  }

  /** Official NB201 index (0..15624). */
  index(arch: Nb201Arch): number {
    return officialIndexOfCode(archCode(arch));
  }

  /** The architecture with official NB201 index `index`. */
  atIndex(index: number): Nb201Arch {
    return archFromCode(codeAtOfficialIndex(index));
  }

  /**
   * One edge's op changed to a different op, the edge and the new op uniform (NASLib's NB201
   * `mutate`; NB201's own R-EA picks a node first, then one of its edges).
   */
  mutate(arch: Nb201Arch, rng: Rng): Nb201Arch {
    const edge = rng.int(NUM_EDGES);
    const shift = 1 + rng.int(NUM_OPS - 1);
    const out = arch.slice();
    out[edge] = (arch[edge]! + shift) % NUM_OPS;
    return out;
  }

  /** All 24 architectures that differ from `arch` in exactly one edge, edge-major order. */
  neighbours(arch: Nb201Arch): Nb201Arch[] {
    const out: Nb201Arch[] = [];
    for (let e = 0; e < NUM_EDGES; e++) {
      for (let op = 0; op < NUM_OPS; op++) {
        if (op === arch[e]) continue;
        const n = arch.slice();
        n[e] = op;
        out.push(n);
      }
    }
    return out;
  }

  encodingLength(kind: Nb201Encoding = 'one-hot'): number {
    return encodingLength(kind);
  }

  encode(arch: Nb201Arch, kind: Nb201Encoding = 'one-hot'): Float32Array {
    return encode(arch, kind);
  }

  encodeInto(arch: Nb201Arch, out: Float32Array, offset = 0, kind: Nb201Encoding = 'one-hot'): void {
    encodeInto(arch, kind, out, offset);
  }

  describe(arch: Nb201Arch): Record<string, Json> {
    const counts: Record<string, Json> = {};
    for (const op of NB201_OPS) counts[op] = 0;
    for (const o of arch) counts[NB201_OPS[o]!] = (counts[NB201_OPS[o]!] as number) + 1;
    return { index: this.index(arch), ops: counts, reachesOutput: reachesOutput(arch) };
  }
}

/** Whether some input→output route avoids `none` (otherwise the cell outputs zeros). */
export function reachesOutput(arch: Nb201Arch): boolean {
  const reach = [true, false, false, false];
  NB201_EDGES.forEach(([from, to], e) => {
    if (arch[e] !== 0 && reach[from]) reach[to] = true;
  });
  return reach[3]!;
}
