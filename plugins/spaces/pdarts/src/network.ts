/**
 * P-DARTS evaluation networks. antoyang/NAS-Benchmark `PDARTS/model.py` (`Cell`, `NetworkCIFAR`,
 * `NetworkImageNet`) and `PDARTS/operations.py` are the DARTS ones of quark0/darts, op for op
 * (the ImageNet network's final `AvgPool2d(7)` is the global average pool on its 7×7 map), so the
 * networks are `@naslab/space-darts`'s; this module picks the stem from the input size and counts
 * the cost. It imports TensorFlow.js: the package entry loads it on demand.
 */
import { Rng, type ArchitectureCost, type ArchitectureSize, type SearchSpace } from '@naslab/core';
import { countFlops, resolveStem, type Network, type NetworkSpec, type TrainableSpace } from '@naslab/engine';
import { loadDartsNetwork, type Genotype } from '@naslab/space-darts';

const darts = await loadDartsNetwork();

/** `auto` picks the stem from the input: `imagenet` above 64 px (the 224-px datasets), else `cifar`. */
export type PdartsStem = 'auto' | 'cifar' | 'imagenet';

// The stem rule (`auto` → `imagenet` from 65 px on the shorter side) is the engine's, shared by every cell space.
export { IMAGENET_STEM_MIN_SIDE, resolveStem } from '@naslab/engine';

export interface PdartsNetworkSpec extends NetworkSpec {
  readonly stem?: PdartsStem;
}

/** `NetworkCIFAR` (32-px inputs) or `NetworkImageNet` (224-px inputs) of a genotype. */
export function buildPdartsNetwork(genotype: Genotype, spec: PdartsNetworkSpec): Network {
  return darts.buildDartsNetwork(genotype, { ...spec, stem: resolveStem(spec.stem ?? 'auto', spec.inputShape) });
}

/** Parameters of `buildPdartsNetwork` (auxiliary head excluded, as the reference counts), analytically. */
export function countPdartsParameters(genotype: Genotype, size: ArchitectureSize & { stem?: PdartsStem }): number {
  return darts.countDartsParameters(genotype, { ...size, stem: resolveStem(size.stem ?? 'auto', size.inputShape) });
}

/**
 * Parameters and multiply-adds of a genotype built at `size`. Counting FLOPs builds the network
 * and runs one image through it on the active TensorFlow.js backend.
 */
export function pdartsCost(
  genotype: Genotype,
  size: ArchitectureSize,
  options: { stem?: PdartsStem; flops?: boolean } = {},
): ArchitectureCost {
  const stem = options.stem ?? 'auto';
  const params = countPdartsParameters(genotype, { ...size, stem });
  if (options.flops === false) return { params };
  const network = buildPdartsNetwork(genotype, { ...size, stem, rng: new Rng('naslab-cost') });
  try {
    return { params, flops: countFlops(network, size.inputShape) };
  } finally {
    network.dispose();
  }
}

/** The space with network assembly, for the engine's trainer (`TrainableSpace`). */
export function withPdartsNetworks(space: SearchSpace<Genotype>, options: { stem?: PdartsStem } = {}): TrainableSpace<Genotype> {
  return { ...space, buildNetwork: (genotype, spec) => buildPdartsNetwork(genotype, { ...spec, stem: options.stem }) };
}
