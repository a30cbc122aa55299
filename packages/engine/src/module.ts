import * as tf from '@tensorflow/tfjs';
import type { Rng } from '@naslab/core';

/** What a forward pass is told: train/eval mode, the step's random stream, a FLOP counter. */
export interface ForwardContext {
  readonly training: boolean;
  /** Random stream for stochastic layers (drop-path…); checkpointed by the trainer. */
  readonly rng?: Rng;
  /** When present, convolutions and linear layers add their multiply-adds here. */
  flops?: { macs: number };
}

export interface ParameterInfo {
  /** Structural path, e.g. `cells.3.ops.1.conv.weight`: stable across builds (checkpoint key). */
  readonly path: string;
  readonly variable: tf.Variable;
  /** Trained by the optimiser (false for BatchNorm running statistics). */
  readonly trainable: boolean;
  /** Belongs to an auxiliary head: excluded from parameter counts (as DARTS). */
  readonly auxiliary: boolean;
}

// tf.variable names must be unique per process.
let variableCounter = 0;

/** Create a variable with a process-unique name. */
export function uniqueVariable(value: tf.Tensor, trainable: boolean, label: string): tf.Variable {
  variableCounter += 1;
  return tf.variable(value, trainable, `naslab_${variableCounter}_${label}`);
}

/**
 * A differentiable building block (NHWC), like a PyTorch `nn.Module`: it owns variables,
 * registers children under names, and has a train/eval mode that `forward` reads from `ctx`.
 */
export abstract class Module {
  private readonly ownParams = new Map<string, { variable: tf.Variable; trainable: boolean }>();
  private readonly childModules = new Map<string, Module>();
  /** Set on auxiliary heads: their parameters are trained but not counted. */
  auxiliary = false;
  /** Identity-like ops (skip_connect at stride 1): tricks such as drop-path leave them alone. */
  readonly isIdentity: boolean = false;

  abstract forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor;

  protected child<M extends Module>(name: string, module: M): M {
    if (this.childModules.has(name)) throw new Error(`duplicate child module "${name}"`);
    this.childModules.set(name, module);
    return module;
  }

  protected param(name: string, value: tf.Tensor, trainable = true): tf.Variable {
    if (this.ownParams.has(name)) throw new Error(`duplicate parameter "${name}"`);
    const variable = uniqueVariable(value, trainable, name);
    value.dispose();
    this.ownParams.set(name, { variable, trainable });
    return variable;
  }

  children(): Array<[string, Module]> {
    return [...this.childModules.entries()];
  }

  /** Every variable below this module, depth first in registration order. */
  parameters(prefix = '', auxiliary = false): ParameterInfo[] {
    const aux = auxiliary || this.auxiliary;
    const out: ParameterInfo[] = [];
    for (const [name, p] of this.ownParams) {
      out.push({ path: prefix + name, variable: p.variable, trainable: p.trainable, auxiliary: aux });
    }
    for (const [name, m] of this.childModules) out.push(...m.parameters(`${prefix}${name}.`, aux));
    return out;
  }

  dispose(): void {
    for (const p of this.parameters()) p.variable.dispose();
  }
}

/** Children applied one after the other (`nn.Sequential`). */
export class Sequential extends Module {
  private readonly layers: Module[];
  constructor(layers: Module[]) {
    super();
    this.layers = layers.map((m, i) => this.child(String(i), m));
  }
  forward(x: tf.Tensor, ctx: ForwardContext): tf.Tensor {
    let y = x;
    for (const m of this.layers) y = m.forward(y, ctx);
    return y;
  }
}

/** Children kept in order under "0", "1", … (`nn.ModuleList`): a container, never called itself. */
export class ModuleList extends Module {
  private n = 0;
  add<M extends Module>(m: M): M {
    return this.child(String(this.n++), m);
  }
  /** A child at position `index`, for lists with gaps (a supernet edge without an op keeps its number). */
  addAt<M extends Module>(index: number, m: M): M {
    return this.child(String(index), m);
  }
  forward(): tf.Tensor {
    throw new Error('ModuleList is a container');
  }
}

/** Number of parameters a PyTorch `count_parameters` would report: trainable, non-auxiliary. */
export function countParameters(module: Module): number {
  let n = 0;
  for (const p of module.parameters()) if (p.trainable && !p.auxiliary) n += p.variable.size;
  return n;
}
