/**
 * Feature encodings of an NB201 cell for performance predictors.
 *
 * - `one-hot`: 6 edges × 5 ops = 30 values, edge-major in arch-string order (the "adjacency
 *   one-hot" of NASLib and the `mlp_onehot` features of WeakNAS).
 * - `path`: BANANAS' path encoding (White et al., AAAI 2021): one bit per possible labelled
 *   path from the input to the output node. NB201 has four input→output routes
 *   (0→3, 0→1→3, 0→2→3, 0→1→2→3); a route of length L labelled by ops (o1…oL) sets bit
 *   `offset(L) + Σ o_j·5^(j-1)` with offsets 0, 5, 30, so 5 + 25 + 125 = 155 bits. As in NASLib's
 *   `encode_paths` for NB201, routes through `none` edges are encoded like any other op, and
 *   0→1→3 and 0→2→3 share the length-2 block.
 */
import { NUM_EDGES, NUM_OPS, type Nb201Arch } from './cell.js';

export type Nb201Encoding = 'one-hot' | 'path';

export const ONE_HOT_LENGTH = NUM_EDGES * NUM_OPS;
export const PATH_LENGTH = NUM_OPS + NUM_OPS ** 2 + NUM_OPS ** 3;

/** Edge positions (arch-string order) along each input→output route. */
const ROUTES: readonly (readonly number[])[] = [[3], [0, 4], [1, 5], [0, 2, 5]];
const ROUTE_OFFSET = [0, 0, NUM_OPS, NUM_OPS + NUM_OPS ** 2];

export function encodingLength(kind: Nb201Encoding): number {
  return kind === 'one-hot' ? ONE_HOT_LENGTH : PATH_LENGTH;
}

/** Write the encoding of `arch` into `out` at `offset` (for filling big matrices without garbage). */
export function encodeInto(arch: Nb201Arch, kind: Nb201Encoding, out: Float32Array, offset = 0): void {
  const n = encodingLength(kind);
  out.fill(0, offset, offset + n);
  if (kind === 'one-hot') {
    for (let e = 0; e < NUM_EDGES; e++) out[offset + e * NUM_OPS + arch[e]!] = 1;
    return;
  }
  for (const route of ROUTES) {
    let bit = ROUTE_OFFSET[route.length]!;
    let scale = 1;
    for (const edge of route) {
      bit += arch[edge]! * scale;
      scale *= NUM_OPS;
    }
    out[offset + bit] = 1;
  }
}

export function encode(arch: Nb201Arch, kind: Nb201Encoding): Float32Array {
  const out = new Float32Array(encodingLength(kind));
  encodeInto(arch, kind, out);
  return out;
}
