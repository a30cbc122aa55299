// What the training benchmarks time: the trainer's own step (`createTrainStep`: forward,
// cross-entropy, backward, global-norm clipping, SGD with momentum and weight decay) on a DARTS
// network of the DARTS V2 genotype, on random images, with the backend set up through its
// plugin's own probe() and activate(), as the trainer does.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './options.mjs';

const CIFAR_MEAN = [0.4914, 0.4822, 0.4465];
const CIFAR_STD = [0.247, 0.2435, 0.2616];

/**
 * Activates backend plugin `@naslab/backend-<name>` with `threads` (and the plugin's `options`);
 * returns undefined, or why it cannot run here (not installed or built, or its probe's reason).
 */
export async function activateBackend(name, threads, options = {}) {
  let plugin;
  try {
    plugin = (await import(`@naslab/backend-${name}`)).default;
  } catch (e) {
    return `@naslab/backend-${name} not installed/built (${e.message.split('\n')[0]})`;
  }
  const { instantiatePlugin } = await import('@naslab/core');
  const backend = await instantiatePlugin(plugin, options, name);
  const probe = await backend.probe();
  if (!probe.available) return `unavailable: ${probe.reason}`;
  await backend.activate({ threads });
  const tf = await import('@tensorflow/tfjs');
  tf.enableProdMode();
  return undefined;
}

/**
 * A DARTS V2 network of `channels` and `cells` on `size`×`size`×`depth` images, its train step,
 * and `count` batches of `batch` random images with random labels (pixels, then labels, per batch).
 */
export async function dartsTrainStep({ seed, channels, cells, size = 32, depth = 3, batch, count = 1 }) {
  const network = join(repoRoot, 'plugins/spaces/darts/dist/network.js');
  if (!existsSync(network)) throw new Error('build first: npm run build');
  const tf = await import('@tensorflow/tfjs');
  const { Rng } = await import('@naslab/core');
  const engine = await import('@naslab/engine');
  const { buildDartsNetwork } = await import(network);
  const { DARTS_V2 } = await import(join(repoRoot, 'plugins/spaces/darts/dist/genotype.js'));
  const rng = new Rng(seed);
  const inputShape = [size, size, depth];
  const net = buildDartsNetwork(DARTS_V2, { channels, cells, classes: 10, inputShape, rng });
  const trainable = net.parameters().filter((p) => p.trainable);
  const buffers = trainable.map((p) => tf.variable(tf.zerosLike(p.variable), false, `bench_m_${p.path}`));
  const protocol = { gradClip: 5, weightDecay: 3e-4, momentum: 0.9 };
  const step = engine.createTrainStep({ network: net, trainable, buffers, hooks: [], classes: 10, protocol, inputShape });
  const mean = depth === 3 ? CIFAR_MEAN : Array.from({ length: depth }, () => 0.5);
  const std = depth === 3 ? CIFAR_STD : Array.from({ length: depth }, () => 0.25);
  const batches = Array.from({ length: count }, () => {
    const pixels = new Uint8Array(batch * size * size * depth);
    for (let i = 0; i < pixels.length; i++) pixels[i] = rng.int(256);
    return { x: engine.normalisePixels(pixels, mean, std, depth), labels: Int32Array.from({ length: batch }, () => rng.int(10)) };
  });
  return { step, net, rng, batches, params: engine.countParameters(net) };
}
