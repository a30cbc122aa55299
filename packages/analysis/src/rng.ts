/**
 * The resampling stream of the analysis: core's `Rng` (xoshiro128**) seeded from a 32-bit
 * integer, one 32-bit draw per float. Pure 32-bit integer arithmetic, so results are identical on
 * every platform and Node version.
 */
import { fnv1a32, Rng as CoreRng } from '@naslab/core';

export interface Rng {
  /** Next unsigned 32-bit integer. */
  nextUint32(): number;
  /** Uniform float in [0, 1) with 32 bits of resolution. */
  nextFloat(): number;
  /** Uniform integer in [0, n) (floor of a 32-bit float: fast, bias below 2⁻³²·n). */
  nextInt(n: number): number;
}

/** A stream seeded from a 32-bit integer (any JS number; it is truncated). */
export function createRng(seed: number): Rng {
  const rng = CoreRng.fromUint32(seed | 0);
  return {
    nextUint32: () => rng.nextUint32(),
    nextFloat: () => rng.nextFloat32(),
    nextInt: (n: number) => Math.floor(rng.nextFloat32() * n),
  };
}

/** FNV-1a hash of a string, used to derive independent per-row seeds from one base seed. */
export const hashString: (text: string) => number = fnv1a32;

/** Seed for a named sub-stream (e.g. one dataset × method row): independent of row order. */
export function deriveSeed(baseSeed: number, label: string): number {
  return (hashString(label) ^ Math.imul(baseSeed | 0, 0x9e3779b1)) >>> 0;
}
