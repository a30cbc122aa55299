/**
 * `@naslab/backend-tfjs-node-gpu`: TensorFlow.js on libtensorflow with CUDA through
 * `@tensorflow/tfjs-node-gpu`, an optional dependency whose install needs the internet.
 */
import { definePlugin, z } from '@naslab/core';
import type { Backend } from '@naslab/engine';
import { createNativeTfjsBackend } from '@naslab/backend-tfjs-node';

export const TFJS_NODE_GPU_PRIORITY = 40;

export function createTfjsNodeGpuBackend(): Backend {
  return createNativeTfjsBackend({
    name: 'tfjs-node-gpu',
    packageName: '@tensorflow/tfjs-node-gpu',
    priority: TFJS_NODE_GPU_PRIORITY,
    // biome-ignore lint/suspicious/noTsIgnore: the optional dependency may be absent (no types then), or present (a ts-expect-error would fail)
    // @ts-ignore optional dependency: absent when its install failed
    load: () => import('@tensorflow/tfjs-node-gpu'),
  });
}

export default definePlugin({
  kind: 'backend',
  id: 'tfjs-node-gpu',
  priority: TFJS_NODE_GPU_PRIORITY,
  description: 'TensorFlow.js on libtensorflow with CUDA, via @tensorflow/tfjs-node-gpu (optional).',
  options: z.object({}).passthrough(),
  create: () => createTfjsNodeGpuBackend(),
});
