import type { Json, SearchContext } from '@naslab/core';

/**
 * How an algorithm evaluates an architecture: the accuracy (%) a search may see, or (in-process
 * studies and benchmarks, never through a study's `ctx.query`) that and the test accuracy an
 * anytime curve may show. In a study the evaluation job computes that curve instead.
 */
export type Evaluate<A> = (arch: A) => number | Scored | Promise<number | Scored>;

export interface Scored {
  readonly accuracy: number;
  readonly test?: number;
  /** Simulated seconds this query cost (benchmarks with a time budget). */
  readonly seconds?: number;
}

export interface QueryRecord {
  /** 1-based position in the query sequence. */
  readonly query: number;
  readonly arch: string;
  readonly accuracy: number;
  /** Best accuracy after this query. */
  readonly best: number;
  /** Test accuracy of the best architecture after this query (anytime curves), when known. */
  readonly bestTest?: number;
  /** Simulated seconds of all queries up to this one, under a time budget. */
  readonly seconds?: number;
}

/** A budget's state as `snapshot()` gives it and `restore()` takes it (JSON). */
export interface QueryBudgetSnapshot {
  readonly budget: number;
  readonly allowRepeats: boolean;
  readonly timeBudget?: number;
  readonly trajectory: readonly QueryRecord[];
}

export type StopReason = 'budget' | 'space-exhausted';

export class QueryBudgetError extends Error {}

/**
 * A query budget over a search space: counts queries, remembers every queried architecture
 * (by its text form) with its accuracy, and keeps the best-so-far trajectory. Unless
 * `allowRepeats`, querying an architecture twice is a programming error (methods look up
 * `known()` first); querying past the budget always is.
 */
export class QueryBudget<A> {
  private readonly seen = new Map<string, number>();
  readonly trajectory: QueryRecord[] = [];
  private bestArch: A | undefined;
  private bestAccuracy = Number.NEGATIVE_INFINITY;
  private bestTest: number | undefined;

  constructor(
    readonly budget: number,
    private readonly evaluate: Evaluate<A>,
    readonly keyOf: (arch: A) => string,
    readonly options: {
      readonly allowRepeats?: boolean;
      readonly signal?: AbortSignal;
      /** Simulated seconds the queries may cost in all: spent once their sum reaches it (NATS-Bench's rule: the query that crosses it counts). */
      readonly timeBudget?: number;
    } = {},
  ) {
    if (!Number.isInteger(budget) || budget < 1) throw new RangeError(`query budget must be a positive integer, got ${budget}`);
    const t = options.timeBudget;
    if (t !== undefined && !(t > 0 && Number.isFinite(t))) throw new RangeError(`time budget must be a positive number of seconds, got ${t}`);
  }

  private secondsSpent = 0;

  /** Simulated seconds the queries cost so far (0 without a time budget's accounting). */
  get seconds(): number {
    return this.secondsSpent;
  }

  get timeBudget(): number | undefined {
    return this.options.timeBudget;
  }

  get used(): number {
    return this.trajectory.length;
  }

  get remaining(): number {
    return this.budget - this.trajectory.length;
  }

  get exhausted(): boolean {
    return this.trajectory.length >= this.budget || (this.options.timeBudget !== undefined && this.secondsSpent >= this.options.timeBudget);
  }

  get allowRepeats(): boolean {
    return this.options.allowRepeats ?? false;
  }

  /** Distinct architectures queried so far. */
  get distinct(): number {
    return this.seen.size;
  }

  /** Accuracy of an already queried architecture (no query spent). */
  known(arch: A): number | undefined {
    return this.seen.get(this.keyOf(arch));
  }

  /** Whether `arch` may be queried now without repeating one (or repeats are allowed). */
  isFresh(arch: A): boolean {
    return this.allowRepeats || !this.seen.has(this.keyOf(arch));
  }

  async query(arch: A): Promise<number> {
    if (this.exhausted) {
      throw new QueryBudgetError(this.used >= this.budget ? `query budget of ${this.budget} is spent` : `time budget of ${this.options.timeBudget} simulated seconds is spent`);
    }
    this.options.signal?.throwIfAborted();
    const key = this.keyOf(arch);
    if (!this.allowRepeats && this.seen.has(key)) throw new QueryBudgetError(`architecture ${key} was already queried`);
    const scored = await this.evaluate(arch);
    const accuracy = typeof scored === 'number' ? scored : scored.accuracy;
    const test = typeof scored === 'number' ? undefined : scored.test;
    if (!Number.isFinite(accuracy)) throw new Error(`the benchmark gave no accuracy for ${key} (${accuracy})`);
    if (this.options.timeBudget !== undefined) {
      const seconds = typeof scored === 'number' ? undefined : scored.seconds;
      if (seconds === undefined || !(seconds >= 0)) throw new Error(`the benchmark gave no training time for ${key}, which a time budget needs`);
      this.secondsSpent += seconds;
    }
    this.seen.set(key, accuracy);
    if (accuracy > this.bestAccuracy) {
      this.bestAccuracy = accuracy;
      this.bestArch = arch;
      this.bestTest = test;
    }
    this.trajectory.push({
      query: this.trajectory.length + 1,
      arch: key,
      accuracy,
      best: this.bestAccuracy,
      ...(this.bestTest !== undefined ? { bestTest: this.bestTest } : {}),
      ...(this.options.timeBudget !== undefined ? { seconds: this.secondsSpent } : {}),
    });
    return accuracy;
  }

  /** The budget's full state: what a checkpoint stores so a resumed search counts these queries as spent. */
  snapshot(): QueryBudgetSnapshot {
    return {
      budget: this.budget,
      allowRepeats: this.allowRepeats,
      ...(this.options.timeBudget !== undefined ? { timeBudget: this.options.timeBudget } : {}),
      trajectory: this.trajectory.map((r) => ({ ...r })),
    };
  }

  /**
   * Takes over a snapshot's queries without evaluating anything again: they count as spent, the
   * best is the first to reach the best accuracy (as when they were queried). Only on an unused
   * budget with the same budget, repeat rule and time budget; a record that does not follow from
   * the ones before it (numbering, best, seconds) is refused, and the budget is left unused.
   */
  restore(snapshot: QueryBudgetSnapshot, parse: (text: string) => A): void {
    if (this.used > 0) throw new QueryBudgetError('only an unused budget can be restored');
    if (snapshot.budget !== this.budget) throw new QueryBudgetError(`the snapshot's budget is ${snapshot.budget} queries, this one's ${this.budget}`);
    if (snapshot.allowRepeats !== this.allowRepeats) throw new QueryBudgetError(`the snapshot ${snapshot.allowRepeats ? 'allows' : 'refuses'} repeats, this budget does not`);
    if (snapshot.timeBudget !== this.options.timeBudget) throw new QueryBudgetError(`the snapshot's time budget is ${snapshot.timeBudget}, this one's ${this.options.timeBudget}`);
    const records = snapshot.trajectory;
    if (!Array.isArray(records) || records.length > this.budget) throw new QueryBudgetError('the snapshot holds more queries than the budget');
    const seen = new Map<string, number>();
    let bestArch: A | undefined;
    let bestAccuracy = Number.NEGATIVE_INFINITY;
    let bestTest: number | undefined;
    let seconds = 0;
    records.forEach((r, k) => {
      const where = `snapshot query ${k + 1}`;
      if (r?.query !== k + 1 || typeof r.arch !== 'string' || !Number.isFinite(r.accuracy)) throw new QueryBudgetError(`${where} is malformed`);
      if (!this.allowRepeats && seen.has(r.arch)) throw new QueryBudgetError(`${where} repeats ${r.arch}`);
      seen.set(r.arch, r.accuracy);
      if (r.accuracy > bestAccuracy) {
        bestAccuracy = r.accuracy;
        bestArch = parse(r.arch);
        bestTest = r.bestTest;
      }
      if (r.best !== bestAccuracy || r.bestTest !== bestTest) throw new QueryBudgetError(`${where}'s best does not follow from the queries before it`);
      if (this.options.timeBudget !== undefined) {
        if (!(typeof r.seconds === 'number' && r.seconds >= seconds)) throw new QueryBudgetError(`${where} lacks its simulated seconds`);
        seconds = r.seconds;
      } else if (r.seconds !== undefined) throw new QueryBudgetError(`${where} has simulated seconds without a time budget`);
    });
    for (const [key, accuracy] of seen) this.seen.set(key, accuracy);
    this.trajectory.push(...records.map((r) => ({ ...r })));
    this.bestArch = bestArch;
    this.bestAccuracy = bestAccuracy;
    this.bestTest = bestTest;
    this.secondsSpent = seconds;
  }

  /** Best architecture queried so far (the first one to reach the best accuracy). */
  get best(): { readonly arch: A; readonly accuracy: number } | undefined {
    return this.bestArch === undefined ? undefined : { arch: this.bestArch, accuracy: this.bestAccuracy };
  }

  /** What a method stores as its `history`. */
  history(stopReason: StopReason, extra: Record<string, Json> = {}): Json {
    return {
      budget: this.budget,
      queries: this.used,
      stopReason,
      ...(this.options.timeBudget !== undefined ? { timeBudget: this.options.timeBudget, seconds: this.secondsSpent } : {}),
      metric: 'search accuracy from the benchmark (its search metric; never test accuracy)',
      trajectory: this.trajectory.map((r) => ({ ...r })),
      ...extra,
    };
  }
}

/** The budget a plugin's `search` runs against: the study's benchmark queries (search metric only), counted. */
export function budgetFor<A>(ctx: SearchContext<A>, queries: number, allowRepeats: boolean, method: string): QueryBudget<A> {
  const query = ctx.query;
  if (!query) {
    throw new Error(`${method} queries a tabular benchmark, but this study has none: add a \`benchmark:\` to the manifest`);
  }
  return new QueryBudget<A>(
    queries,
    async (arch: A) => {
      const o = await query(arch);
      return o.seconds === undefined ? o.accuracy : { accuracy: o.accuracy, seconds: o.seconds };
    },
    (arch) => ctx.space.format(arch),
    { allowRepeats, signal: ctx.signal, ...(ctx.timeBudget !== undefined ? { timeBudget: ctx.timeBudget } : {}) },
  );
}
