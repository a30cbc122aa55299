/**
 * What a search space can do beyond `sample`/`format`/`parse`. A space declares its capabilities
 * on its definition (`capabilities: ['enumerable', 'mutable', 'cost']`); a method (or trainer)
 * declares the ones it `requires`; `prepareStudy` refuses a mismatch as an input error at the
 * method's line of the manifest, before any job runs. The package that needs a capability may add
 * one by declaration merging (the engine adds `trainable`: a space that builds networks).
 */
import type { Rng } from './rng.js';
import type { SearchSpace } from './contracts.js';

/** A space that lists every architecture by position (NAS-Bench-201: its official index). */
export interface EnumerableSpace<A = unknown> extends SearchSpace<A> {
  readonly size: number;
  atIndex(index: number): A;
}

/** A space that mutates an architecture (NAS-Bench-201: one edge's op changed). */
export interface MutableSpace<A = unknown> extends SearchSpace<A> {
  mutate(arch: A, rng: Rng): A;
}

/** A space that lists an architecture's neighbours (NAS-Bench-201: the 24 one-edge mutations). */
export interface NeighbourhoodSpace<A = unknown> extends SearchSpace<A> {
  neighbours(arch: A): A[];
}

/** A space whose architectures are feature vectors for predictors (WeakNAS), each with its position. */
export interface EncodableSpace<A = unknown> extends SearchSpace<A> {
  /** Position of `arch` in the space's enumeration (inverse of an enumerable space's `atIndex`). */
  index(arch: A): number;
  encodingLength(kind?: string): number;
  encodeInto(arch: A, out: Float32Array, offset?: number, kind?: string): void;
}

/** The network an architecture is built into, for a cost: what evaluation builds. */
export interface ArchitectureSize {
  /** Cells (layers) of the network; the space says what it counts. */
  readonly cells: number;
  /** Initial channels. */
  readonly channels: number;
  readonly classes: number;
  /** [height, width, channels] of one input image. */
  readonly inputShape: readonly [number, number, number];
}

export interface ArchitectureCost {
  /** Trainable parameters, auxiliary heads excluded (as DARTS counts them). */
  readonly params: number;
  /** Multiply-adds of one forward pass of one image (what NAS papers call FLOPs). */
  readonly flops?: number;
}

/** A space that knows what an architecture costs at a given size. */
export interface CostSpace<A = unknown> extends SearchSpace<A> {
  /** The size its papers evaluate at (DARTS: 20 cells, 36 channels, 10 classes, 32×32×3). */
  readonly evaluationSize: ArchitectureSize;
  /** `flops: false` skips the FLOP count (it may build and run the network once). */
  cost(arch: A, size: ArchitectureSize, options?: { flops?: boolean }): Promise<ArchitectureCost>;
}

/**
 * A space that predicts an architecture's latency on a device (the MBConv space of Single-Path NAS,
 * over a per-layer look-up table): reports plot accuracy against it.
 */
export interface LatencySpace<A = unknown> extends SearchSpace<A> {
  /** Predicted latency in ms; undefined where the space has no model for it (no table set). */
  latencyMs(arch: A): number | undefined;
}

/** Capability name → the interface a space with it implements. Extend by declaration merging. */
export interface SpaceCapabilities {
  enumerable: EnumerableSpace<any>;
  mutable: MutableSpace<any>;
  neighbourhood: NeighbourhoodSpace<any>;
  encodable: EncodableSpace<any>;
  cost: CostSpace<any>;
  latency: LatencySpace<any>;
}

export type SpaceCapability = keyof SpaceCapabilities & string;

/** The members a space with each of core's capabilities must have (checked when a job gets its space). */
const MEMBERS: Readonly<Record<string, readonly string[]>> = {
  enumerable: ['size', 'atIndex'],
  mutable: ['mutate'],
  neighbourhood: ['neighbours'],
  encodable: ['index', 'encodingLength', 'encodeInto'],
  cost: ['evaluationSize', 'cost'],
  latency: ['latencyMs'],
};

/** Whether `space` implements `capability` (for capabilities core knows; others: declared is enough). */
export function hasCapability<C extends SpaceCapability>(space: SearchSpace<unknown>, capability: C): space is SpaceCapabilities[C] {
  const members = MEMBERS[capability];
  if (!members) return true;
  return members.every((m) => (space as unknown as Record<string, unknown>)[m] !== undefined);
}

/** The declared capabilities that `space` does not implement, with the member missing. */
export function unimplementedCapabilities(space: SearchSpace<unknown>, declared: readonly string[]): string[] {
  const out: string[] = [];
  for (const c of declared) {
    const missing = (MEMBERS[c] ?? []).filter((m) => (space as unknown as Record<string, unknown>)[m] === undefined);
    if (missing.length) out.push(`${c} (no ${missing.join(', ')})`);
  }
  return out;
}
