import { definePlugin, type Backend, type Json, type Logger, type MethodDefinition, type Rng, type SearchSpace, type SpaceCapabilities, type SpaceCapability, type z } from '@naslab/core';
import { budgetFor, type QueryBudget, type StopReason } from './query-budget.js';

/** What a query-based search gets: its space (with the capabilities it requires), budget, stream, options. */
export interface QuerySearch<A, O, C extends SpaceCapability> {
  readonly space: SearchSpace<A> & UnionToIntersection<SpaceCapabilities[C]>;
  readonly budget: QueryBudget<A>;
  /** `ctx.rng.split(<method id>)`: the method's own stream. */
  readonly rng: Rng;
  readonly options: O;
  readonly logger: Logger;
  /** Backends the manifest allows and the job's threads, for methods that compute with tfjs (WeakNAS' predictor). */
  readonly backends: readonly Backend[];
  readonly threads: number;
}

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

/** Options every query method has: the budget, and whether a repeated query costs one. */
export interface QueryMethodOptions {
  readonly queries: number;
  readonly allowRepeats?: boolean;
}

/**
 * A search method that queries the study's benchmark under a budget (random search, evolution,
 * local search, WeakNAS…). The wrapper every such method shared: it requires a `benchmark:`,
 * declares the space capabilities the algorithm needs (checked when the study is prepared), builds
 * the `QueryBudget` over the study's queries, runs `search`, and returns the best architecture
 * queried, the queries spent and the budget's history (with `history` from the search, if any).
 */
export function defineQueryMethod<S extends z.ZodType<QueryMethodOptions>, C extends SpaceCapability = never>(definition: {
  readonly id: string;
  readonly description?: string;
  readonly options: S;
  readonly requires?: readonly C[];
  readonly search: (run: QuerySearch<any, z.output<S>, C>) => Promise<StopReason | { stopReason: StopReason; history?: Record<string, Json> }>;
}): MethodDefinition<z.output<S>> {
  const { id, search } = definition;
  return definePlugin({
    kind: 'method',
    id,
    description: definition.description,
    options: definition.options,
    outputs: () => 1,
    needsBenchmark: true,
    requires: definition.requires ?? [],
    create: ({ options }) => ({
      async search(ctx) {
        const budget = budgetFor(ctx, options.queries, options.allowRepeats ?? false, id);
        const out = await search({ space: ctx.space as never, budget, rng: ctx.rng.split(id), options, logger: ctx.logger, backends: ctx.backends ?? [], threads: ctx.threads ?? 1 });
        const { stopReason, history } = typeof out === 'string' ? { stopReason: out, history: undefined } : out;
        const best = budget.best;
        if (!best) throw new Error(`${id} queried nothing (empty space?)`);
        return { architectures: [best.arch], cost: { queries: budget.used }, history: budget.history(stopReason, history) };
      },
    }),
  }) as MethodDefinition<z.output<S>>;
}
