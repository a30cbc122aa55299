/**
 * What every weight-sharing method on this space's supernet (DARTS, DARTS-PT, P-DARTS, MANAS,
 * StacNAS, CNAS) takes from a job's container: the bilevel supernet training and the reference
 * training transform, the `crop-flip` trick's `augmentPixels` hook (padding 4, flip). One wiring
 * here, so the methods, which must not import each other, do not each repeat it.
 *
 * This module imports no TensorFlow.js: both services load it only when called.
 */
import { Tokens, type InjectionToken, type SearchContext, type SearchMethod, type SearchResult } from '@naslab/core';
import { assertSupernetOps, DartsSupernetTraining, loadDartsSupernetTraining, type SupernetTraining } from './supernet.js';
import type { PixelAugment } from './supernet/data.js';

/** What a supernet search uses from the study, created only when the search runs. */
export interface SupernetMethodServices {
  readonly training: () => Promise<SupernetTraining>;
  /** The reference's training transform: the `crop-flip` trick's `augmentPixels` (padding 4, flip). */
  readonly cropFlip: () => Promise<PixelAugment>;
}

/** A job container's `resolve`. */
export type ResolveService = <T>(token: InjectionToken<T>) => T;

/**
 * The services of method `method` (named in errors) from a job's container. `training`:
 * `provided` resolves the `DartsSupernetTraining` the `darts` space provides (DARTS, DARTS-PT);
 * `package` loads the training module itself, for methods that also search other spaces on the
 * same supernet shape (P-DARTS on `pdarts`, CNAS on `cnas`) or do not need the space's service.
 */
export function supernetMethodServices(resolve: ResolveService, method: string, training: 'provided' | 'package' = 'provided'): SupernetMethodServices {
  return {
    training: training === 'provided' ? () => resolve(DartsSupernetTraining) : loadDartsSupernetTraining,
    cropFlip: async () => {
      const trick = await resolve(Tokens.Plugins).create('trick', 'crop-flip', { padding: 4, flip: true, fill: 0 });
      const hook = trick.hooks.augmentPixels;
      if (!hook) throw new Error(`${method}: the crop-flip trick has no augmentPixels hook`);
      return hook.bind(trick.hooks);
    },
  };
}

/** A method's search function: the search module's export that runs on the loaded training. */
export type SupernetSearch<G, O> = (ctx: SearchContext<G>, options: O, training: SupernetTraining, augment?: PixelAugment) => Promise<SearchResult<G>>;

/** What `supernetSearchMethod` makes a `SearchMethod` of. */
export interface SupernetSearchSpec<G, O extends { readonly augment: 'crop-flip' | 'none' }> {
  /** The method's id, in its errors. */
  readonly method: string;
  /** The space ids the method searches. */
  readonly spaces: readonly string[];
  readonly options: O;
  readonly services: SupernetMethodServices;
  /** The search function, behind a dynamic import (so TensorFlow.js loads only when the search runs). */
  readonly load: () => Promise<SupernetSearch<G, O>>;
  /** Refuse a space whose op set is not the supernet's 8 (`assertSupernetOps`), for methods searching `darts` with its own op set option. */
  readonly checkOps?: boolean;
}

/**
 * A supernet method's `SearchMethod`: refuses another space (and, with `checkOps`, another op
 * set) before anything loads, then loads the search module, the training and, when
 * `augment: crop-flip`, the crop-flip hook together, and runs the search.
 */
export function supernetSearchMethod<G, O extends { readonly augment: 'crop-flip' | 'none' }>(spec: SupernetSearchSpec<G, O>): SearchMethod<G> {
  const { method, spaces, options, services } = spec;
  return {
    search: async (ctx) => {
      if (!spaces.includes(ctx.space.id)) {
        throw new Error(`${method}: needs the ${spaces.map((id) => `'${id}'`).join(' or ')} search space, got '${ctx.space.id}'`);
      }
      if (spec.checkOps) assertSupernetOps(ctx.space as { id: string; ops?: readonly string[] }, method);
      const [search, training, augment] = await Promise.all([
        spec.load(),
        services.training(),
        options.augment === 'crop-flip' ? services.cropFlip() : undefined,
      ]);
      return search(ctx, options, training, augment);
    },
  };
}
