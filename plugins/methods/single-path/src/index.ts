/**
 * `@naslab/method-single-path`: Single-Path NAS (Stamoulis, Ding, Wang, Lymberopoulos, Priyantha,
 * Liu & Marculescu, ECML-PKDD 2019; reference code dstamoulis/single-path-nas) on the MBConv space:
 * one 5×5/expansion-6 superkernel per searchable layer, indicator decisions on weight-norm
 * thresholds trained with the weights under a latency-aware loss, the found architecture read
 * from the final decisions. TensorFlow.js is loaded only when a search runs.
 */
import { definePlugin, type SearchMethod } from '@naslab/core';
import type { LayerChoice } from '@naslab/space-mbconv';
import { singlePathOptions, type SinglePathOptions } from './options.js';

export { singlePathOptions, type SinglePathOptions } from './options.js';

export function createSinglePath(options: SinglePathOptions): SearchMethod<LayerChoice[]> {
  return {
    search: async (ctx) => {
      const { searchSinglePath } = await import('./search.js');
      return searchSinglePath(ctx, options);
    },
  };
}

export default definePlugin({
  kind: 'method',
  id: 'single-path',
  description: 'Single-Path NAS (Stamoulis et al., 2019): superkernel with weight-norm threshold decisions and a latency-aware loss.',
  options: singlePathOptions,
  outputs: () => 1,
  requires: ['trainable'],
  create: ({ options }) => createSinglePath(options),
});
