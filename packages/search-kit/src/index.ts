/**
 * `@naslab/search-kit`: what query-based search methods share — the query budget over a study's
 * benchmark, uniform sampling of architectures not yet queried, the search checkpoint that lets
 * a killed search resume, and `defineQueryMethod`, the plugin wrapper. The space capabilities
 * they require are core's (`EnumerableSpace`, …).
 */
export * from './query-budget.js';
export * from './unseen-sampler.js';
export * from './random-search.js';
export * from './search-checkpoint.js';
export * from './define-query-method.js';
export type { EnumerableSpace, MutableSpace, NeighbourhoodSpace, EncodableSpace } from '@naslab/core';
