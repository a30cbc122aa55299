/**
 * Seeded, deterministic pseudo-random number generator: xoshiro128** seeded
 * through splitmix32. Pure 32-bit integer arithmetic, so results are identical
 * on every platform and Node version.
 */

/** splitmix32 step, used to expand one 32-bit seed into the xoshiro state. */
function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

export interface Rng {
  /** Next unsigned 32-bit integer. */
  nextUint32(): number;
  /** Uniform float in [0, 1) with 32 bits of resolution. */
  nextFloat(): number;
  /** Uniform integer in [0, n). */
  nextInt(n: number): number;
}

/** xoshiro128** generator seeded from a 32-bit integer (any JS number; it is truncated). */
export function createRng(seed: number): Rng {
  const sm = { s: seed | 0 };
  const s = new Uint32Array(4);
  for (let i = 0; i < 4; i++) s[i] = splitmix32(sm);
  if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1;
  const nextUint32 = (): number => {
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  };
  const nextFloat = (): number => nextUint32() / 4294967296;
  return {
    nextUint32,
    nextFloat,
    nextInt: (n: number) => Math.floor(nextFloat() * n),
  };
}

/** FNV-1a hash of a string, used to derive independent per-row seeds from one base seed. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Seed for a named sub-stream (e.g. one dataset × method row): independent of row order. */
export function deriveSeed(baseSeed: number, label: string): number {
  return (hashString(label) ^ Math.imul(baseSeed | 0, 0x9e3779b1)) >>> 0;
}
