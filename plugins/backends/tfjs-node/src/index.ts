/**
 * `@naslab/backend-tfjs-node`: TensorFlow.js on libtensorflow (CPU) through
 * `@tensorflow/tfjs-node`, an optional dependency whose install needs the internet.
 */
import { definePlugin, z } from '@naslab/core';
import type { Backend } from '@naslab/engine';
import { createNativeTfjsBackend } from './native.js';

export { createNativeTfjsBackend, nativeProbeFailure, type NativeTfjsOptions } from './native.js';

export const TFJS_NODE_PRIORITY = 30;

export function createTfjsNodeBackend(): Backend {
  return createNativeTfjsBackend({
    name: 'tfjs-node',
    packageName: '@tensorflow/tfjs-node',
    priority: TFJS_NODE_PRIORITY,
    // biome-ignore lint/suspicious/noTsIgnore: the optional dependency may be absent (no types then), or present (a ts-expect-error would fail)
    // @ts-ignore optional dependency: absent when its install failed
    load: () => import('@tensorflow/tfjs-node'),
  });
}

export default definePlugin({
  kind: 'backend',
  id: 'tfjs-node',
  priority: TFJS_NODE_PRIORITY,
  description: 'TensorFlow.js on libtensorflow (CPU), via @tensorflow/tfjs-node (optional).',
  options: z.object({}).passthrough(),
  create: () => createTfjsNodeBackend(),
});
