/**
 * The random sampler of the NAO baseline in "NAS evaluation is frustratingly hard":
 * `utils.generate_arch(1, 5, num_ops=11)[0]` (antoyang/NAS-Benchmark `NAO/README.md`,
 * `NAO/utils.py` l.455-466). For each cell (normal first), for each node i = 2 … 6 in turn:
 * `p1 = randint(0, i)`, `op1 = randint(0, num_ops)`, `p2 = randint(0, i)`, `op2 = randint(0, num_ops)`:
 * inputs uniform over the earlier states with repeats allowed, ops uniform over ids 0 … num_ops−1.
 *
 * The op set is the sampler's only knob, and the benchmark used two: its random baseline drew 11
 * ops (ids 0–10, `random-baseline`, the default of the space), while its NAO search only ever
 * proposes the 5 ops 0–4 (`search`). `nao-paper` draws the NAO paper's 11 ops (ids 5–15).
 */
import type { Rng } from '@naslab/core';
import { NAO_CELL_INPUTS, NAO_NODES, NAO_PAPER_OPS, NAO_RANDOM_BASELINE_OPS, NAO_SEARCH_OPS, type NaoArch } from './arch.js';

export const NAO_OP_SETS = {
  'random-baseline': NAO_RANDOM_BASELINE_OPS,
  search: NAO_SEARCH_OPS,
  'nao-paper': NAO_PAPER_OPS,
} as const satisfies Record<string, readonly number[]>;
export type NaoOpSet = keyof typeof NAO_OP_SETS;
export const NAO_OP_SET_NAMES = Object.keys(NAO_OP_SETS) as [NaoOpSet, ...NaoOpSet[]];

function sampleCell(rng: Rng, ops: readonly number[]): number[] {
  const cell: number[] = [];
  for (let i = NAO_CELL_INPUTS; i < NAO_CELL_INPUTS + NAO_NODES; i++) {
    cell.push(rng.int(i), rng.choice(ops), rng.int(i), rng.choice(ops));
  }
  return cell;
}

/** One architecture, normal cell then reduction cell. Deterministic in `rng`. */
export function sampleNaoArch(rng: Rng, opSet: NaoOpSet = 'random-baseline'): NaoArch {
  const ops = NAO_OP_SETS[opSet];
  const normal = sampleCell(rng, ops);
  const reduce = sampleCell(rng, ops);
  return { normal, reduce };
}
