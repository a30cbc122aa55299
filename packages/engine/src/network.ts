import type * as tf from '@tensorflow/tfjs';
import type { Rng, SearchSpace } from '@naslab/core';
import { Module, type ForwardContext } from './module.js';

/** What a network returns: the classifier's logits and the outputs of any extra heads. */
export interface NetworkOutput {
  readonly logits: tf.Tensor2D;
  /** Extra heads' outputs by name (only those that ran: training-only heads skip eval). */
  readonly heads: Readonly<Record<string, tf.Tensor>>;
}

/** A cell's output, as heads and tricks see it before the network runs. */
export interface CellInfo {
  readonly index: number;
  readonly reduction: boolean;
  /** [height, width, channels] of the cell's output for the spec's input size. */
  readonly outputShape: readonly [number, number, number];
}

export interface HeadOptions {
  /** Name of the head's output in `NetworkOutput.heads`. */
  readonly name: string;
  /** The head reads the output of this cell (0-based). */
  readonly atCell: number;
  readonly module: Module;
  /** Run only in training mode (DARTS' auxiliary tower). Default true. */
  readonly trainingOnly?: boolean;
  /** Exclude its parameters from parameter counts (DARTS excludes 'auxiliary'). Default true. */
  readonly auxiliary?: boolean;
}

/** Where an edge op sits, for `wrapOp` hooks. */
export interface EdgeInfo {
  readonly cell: number;
  readonly edge: number;
  /** Op name in its space, e.g. `sep_conv_3x3`. */
  readonly op: string;
  readonly reduction: boolean;
  /** True for identity ops (skip_connect at stride 1), which drop-path leaves alone. */
  readonly identity: boolean;
}

export type WrapOp = (op: Module, info: EdgeInfo) => Module;

/** What a space needs to build a network at evaluation size. */
export interface NetworkSpec {
  readonly channels: number;
  readonly cells: number;
  readonly classes: number;
  readonly inputShape: readonly [number, number, number];
  /** Initialisation stream. */
  readonly rng: Rng;
  /** Hooks that act while the network is assembled. */
  readonly hooks?: { readonly wrapOp?: WrapOp };
}

/**
 * A classification network made of cells. Subclasses run their cells and call `afterCell`
 * after each, so heads registered with `attachHead` read intermediate features.
 */
export abstract class Network extends Module {
  private readonly headList: Array<Required<Omit<HeadOptions, 'auxiliary'>>> = [];
  private readonly headModules = new HeadContainer();

  constructor() {
    super();
    this.child('heads', this.headModules);
  }

  /** Per-cell output shapes and reduction flags. */
  abstract readonly cellInfo: readonly CellInfo[];

  /** Run the network. */
  abstract run(x: tf.Tensor4D, ctx: ForwardContext): NetworkOutput;

  forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    return this.run(x as tf.Tensor4D, ctx).logits;
  }

  attachHead(options: HeadOptions): void {
    if (options.atCell < 0 || options.atCell >= this.cellInfo.length)
      throw new Error(`head "${options.name}": no cell ${options.atCell} (network has ${this.cellInfo.length})`);
    options.module.auxiliary = options.auxiliary ?? true;
    this.headModules.add(options.name, options.module);
    this.headList.push({ name: options.name, atCell: options.atCell, module: options.module, trainingOnly: options.trainingOnly ?? true });
  }

  /** Subclasses call this with each cell's output. */
  protected afterCell(index: number, output: tf.Tensor, ctx: ForwardContext, heads: Record<string, tf.Tensor>): void {
    for (const h of this.headList) {
      if (h.atCell === index && (ctx.training || !h.trainingOnly)) heads[h.name] = h.module.forward(output, ctx);
    }
  }
}

class HeadContainer extends Module {
  add(name: string, module: Module): void {
    this.child(name, module);
  }
  forward(): tf.Tensor {
    throw new Error('heads run through Network.afterCell');
  }
}

/** A search space whose architectures the engine can build and train. */
export interface TrainableSpace<A = unknown> extends SearchSpace<A> {
  buildNetwork(arch: A, spec: NetworkSpec): Network;
}

export function isTrainableSpace<A>(space: SearchSpace<A>): space is TrainableSpace<A> {
  return typeof (space as Partial<TrainableSpace<A>>).buildNetwork === 'function';
}
