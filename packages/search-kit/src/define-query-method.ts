import { definePlugin, type Backend, type Json, type Logger, type MethodDefinition, type Rng, type SearchSpace, type SpaceCapabilities, type SpaceCapability, type z } from '@naslab/core';
import { budgetFor, type QueryBudget, type StopReason } from './query-budget.js';
import { inertCheckpoint, openSearchCheckpoint, type CheckpointCadence, type SearchCheckpoint } from './search-checkpoint.js';

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
  /** The search's checkpoint in the job's checkpoint folder: `resume` it first, then save at the method's own boundaries. */
  readonly checkpoint: SearchCheckpoint;
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
 * It also opens the search's checkpoint (`run.checkpoint`) in `ctx.checkpointDir`, keyed by the
 * method id, its options and its stream, and removes it once the search has returned.
 */
export function defineQueryMethod<S extends z.ZodType<QueryMethodOptions>, C extends SpaceCapability = never>(definition: {
  readonly id: string;
  readonly description?: string;
  readonly options: S;
  readonly requires?: readonly C[];
  /** When `checkpoint.saveIfDue` writes (default: every 0.5 s of wall time). */
  readonly checkpointCadence?: CheckpointCadence;
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
        const rng = ctx.rng.split(id);
        // A context without a checkpoint folder (a method called directly) saves nothing.
        const checkpoint = !ctx.checkpointDir ? inertCheckpoint : openSearchCheckpoint({
          dir: ctx.checkpointDir,
          method: id,
          identity: { options: options as unknown as Json, rng: rng.seedKey },
          budget,
          parse: (text) => ctx.space.parse(text),
          logger: ctx.logger,
          ...(definition.checkpointCadence ? { cadence: definition.checkpointCadence } : {}),
          ...(ctx.queryStream ? { queryStream: ctx.queryStream } : {}),
        });
        const out = await search({ space: ctx.space as never, budget, rng, options, logger: ctx.logger, backends: ctx.backends ?? [], threads: ctx.threads ?? 1, checkpoint });
        const { stopReason, history } = typeof out === 'string' ? { stopReason: out, history: undefined } : out;
        const best = budget.best;
        if (!best) throw new Error(`${id} queried nothing (empty space?)`);
        checkpoint.discard();
        // The budget's counts, not core's: they include the queries a resumed search took over from its checkpoint.
        const cost = { queries: budget.used, ...(budget.timeBudget !== undefined ? { simulatedSeconds: budget.seconds } : {}) };
        return { architectures: [best.arch], cost, history: budget.history(stopReason, history) };
      },
    }),
  }) as MethodDefinition<z.output<S>>;
}
