/**
 * What every weight-sharing method on this space's supernet (DARTS, DARTS-PT, P-DARTS, MANAS,
 * StacNAS, CNAS) takes from a job's container: the bilevel supernet training and the reference
 * training transform, the `crop-flip` trick's `augmentPixels` hook (padding 4, flip). One wiring
 * here, so the methods, which must not import each other, do not each repeat it.
 *
 * This module imports no TensorFlow.js: both services load it only when called.
 */
import { Tokens, type InjectionToken } from '@naslab/core';
import { DartsSupernetTraining, loadDartsSupernetTraining, type SupernetTraining } from './supernet.js';
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

/**
 * The three things a supernet search starts with, loaded together: the method's search module
 * (`load`, a dynamic import, so TensorFlow.js loads only now), the training, and the crop-flip
 * hook when `augment` asks for it.
 */
export function loadSupernetSearch<M>(
  load: () => Promise<M>,
  services: SupernetMethodServices,
  augment: 'crop-flip' | 'none',
): Promise<[M, SupernetTraining, PixelAugment | undefined]> {
  return Promise.all([load(), services.training(), augment === 'crop-flip' ? services.cropFlip() : undefined]);
}
