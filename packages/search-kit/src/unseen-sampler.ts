import { hasCapability, type Rng, type SearchSpace } from '@naslab/core';
import type { QueryBudget } from './query-budget.js';

/** Consecutive already-queried draws after which a non-enumerable space counts as exhausted. */
const MAX_REJECTIONS = 10_000;

/**
 * Uniform draws of architectures not yet queried. On an enumerable space this is a lazy
 * Fisher–Yates permutation of all indices (exact sampling without replacement, and it knows
 * when the space is exhausted); otherwise it rejects repeats of `space.sample`.
 * With `allowRepeats` it is plain `space.sample`.
 */
export class UnseenSampler<A> {
  private readonly order: Int32Array | undefined;
  private next = 0;

  constructor(
    private readonly space: SearchSpace<A>,
    private readonly budget: QueryBudget<A>,
    private readonly rng: Rng,
  ) {
    if (hasCapability(space, 'enumerable') && !budget.allowRepeats) {
      this.order = new Int32Array(space.size);
      for (let i = 0; i < space.size; i++) this.order[i] = i;
    }
  }

  /**
   * Where the permutation stands (its stream is the caller's to save): the number drawn and the
   * positions that differ from the identity, at most two per draw, so it stays small.
   */
  snapshot(): UnseenSamplerSnapshot {
    const moved: [number, number][] = [];
    const order = this.order;
    if (order) for (let i = 0; i < order.length; i++) if (order[i] !== i) moved.push([i, order[i]!]);
    return { size: order?.length ?? 0, next: this.next, moved };
  }

  /** Continues from `snapshot()` of a sampler over the same space (its stream restored by the caller). */
  restore(snapshot: UnseenSamplerSnapshot): void {
    const order = this.order;
    const size = order?.length ?? 0;
    if (snapshot.size !== size || !Number.isInteger(snapshot.next) || snapshot.next < 0 || snapshot.next > size) throw new RangeError('the sampler snapshot is of another space');
    if (order) {
      for (const [i, v] of snapshot.moved) {
        if (!(Number.isInteger(i) && Number.isInteger(v) && i >= 0 && i < size && v >= 0 && v < size)) throw new RangeError('the sampler snapshot is malformed');
        order[i] = v;
      }
      const hit = new Uint8Array(size);
      for (const v of order) hit[v] = 1;
      if (hit.includes(0)) throw new RangeError('the sampler snapshot is no permutation');
    }
    this.next = snapshot.next;
  }

  /** A fresh architecture, or undefined when none is left. */
  draw(): A | undefined {
    if (this.budget.allowRepeats) return this.space.sample(this.rng);
    const order = this.order;
    if (order && hasCapability(this.space, 'enumerable')) {
      while (this.next < order.length) {
        const j = this.next + this.rng.int(order.length - this.next);
        const pick = order[j]!;
        order[j] = order[this.next]!;
        order[this.next] = pick;
        this.next++;
        const arch = this.space.atIndex(pick);
        // Other parts of a method may have queried it already.
        if (this.budget.isFresh(arch)) return arch;
      }
      return undefined;
    }
    for (let tries = 0; tries < MAX_REJECTIONS; tries++) {
      const arch = this.space.sample(this.rng);
      if (this.budget.isFresh(arch)) return arch;
    }
    return undefined;
  }
}

/** Where an `UnseenSampler` stands (JSON): the permutation's size, the draws made, the moved positions as `[position, index]`. */
export interface UnseenSamplerSnapshot {
  readonly size: number;
  readonly next: number;
  readonly moved: readonly (readonly [number, number])[];
}
