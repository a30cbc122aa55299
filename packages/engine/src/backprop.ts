// tf.variableGrads, freeing memory as the backward pass goes.
//
// tfjs' own backprop (tfjs-core tape.ts, backpropagateGradients) keeps every gradient it computes,
// every partial gradient it adds up and every tensor the forward pass saved until the whole
// backward pass ends: its peak is all saved activations plus all their gradients, 2.4× PyTorch's
// on a DARTS network. This walks the same tape, in the same order, through the same gradient
// functions and the same additions (so the numbers are bit for bit tfjs'), and frees what PyTorch's
// autograd frees: an output's gradient once its producer has used it, a node's saved tensors once
// its gradient ran, a partial gradient once it was added up.
import * as tf from '@tensorflow/tfjs';

/** The part of a tfjs tape node this walk reads (tfjs-core tape.ts). */
interface TapeNode {
  id: number;
  kernelName: string;
  outputs: tf.Tensor[];
  inputs: Record<string, tf.Tensor>;
  gradient?: (dys: Array<tf.Tensor | null>) => Record<string, () => tf.Tensor>;
  saved?: tf.Tensor[];
}

/** The engine internals this walk uses; tfjs is pinned to the version they were read from. */
interface EngineInternals {
  state: { activeTape: TapeNode[] | null; gradientDepth: number };
  startTape(): void;
  endTape(): void;
  scopedRun<T>(start: () => void, end: () => void, f: () => T): T;
  tidy<T extends tf.TensorContainer>(name: string, f: () => T): T;
}

/**
 * The nodes on a path from one of `xs` to `y`, in tape order, each with only the inputs that
 * depend on `xs` (what tfjs' getFilteredNodesXToY selects).
 */
function nodesFromXsToY(tape: readonly TapeNode[], xs: readonly tf.Tensor[], y: tf.Tensor): TapeNode[] {
  const fromXs = new Set(xs.map((x) => x.id));
  const nodesFromXs = new Set<number>();
  for (const node of tape) {
    if (Object.values(node.inputs).some((t) => fromXs.has(t.id))) {
      nodesFromXs.add(node.id);
      for (const o of node.outputs) fromXs.add(o.id);
    }
  }
  const toY = new Set([y.id]);
  const nodesToY = new Set<number>();
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i]!;
    if (node.outputs.some((o) => toY.has(o.id))) {
      nodesToY.add(node.id);
      for (const t of Object.values(node.inputs)) toY.add(t.id);
    }
  }
  return tape
    .filter((n) => nodesFromXs.has(n.id) && nodesToY.has(n.id))
    .map((n) => ({ ...n, inputs: Object.fromEntries(Object.entries(n.inputs).filter(([, t]) => fromXs.has(t.id))) }));
}

/**
 * `tf.variableGrads(f, variables)` (trainable variables only, those `f` does not reach get no
 * entry), with the backward pass freeing as it goes. Inside another gradient computation (higher
 * order), where the tape must stay whole, it is tf.variableGrads itself.
 */
export function variableGradsFreeing(f: () => tf.Scalar, variables: readonly tf.Variable[]): { value: tf.Scalar; grads: tf.NamedTensorMap } {
  const engine = tf.engine() as unknown as EngineInternals;
  if (engine.state.gradientDepth > 0) return tf.variableGrads(f, [...variables]);
  const xs = variables.filter((v) => v.trainable);
  const y = engine.scopedRun(
    () => engine.startTape(),
    () => engine.endTape(),
    () => engine.tidy('forward', f),
  );
  if (!(y instanceof tf.Tensor) || y.rank !== 0) throw new Error(`the function given to variableGradsFreeing must return a scalar, got ${y instanceof tf.Tensor ? `rank ${y.rank}` : typeof y}`);
  const tape = engine.state.activeTape ?? [];
  const filtered = nodesFromXsToY(tape, xs, y);
  return engine.tidy('backward', () => {
    const gradients = new Map<number, tf.Tensor>([[y.id, tf.ones(y.shape)]]);
    const keep = new Set(xs.map((x) => x.id));
    for (let i = filtered.length - 1; i >= 0; i--) {
      const node = filtered[i]!;
      const dys = node.outputs.map((o) => gradients.get(o.id) ?? null);
      if (node.gradient == null) throw new Error(`Cannot compute gradient: gradient function not found for ${node.kernelName}.`);
      const inputGradients = node.gradient(dys);
      for (const name of Object.keys(node.inputs)) {
        const gradient = inputGradients[name];
        if (gradient === undefined) throw new Error(`Cannot backprop through input ${name} of ${node.kernelName}. Available gradients: ${Object.keys(inputGradients)}.`);
        let dx = engine.tidy(`grad ${node.kernelName}`, gradient);
        const x = node.inputs[name]!;
        if (dx.dtype !== 'float32') throw new Error(`the gradient of input ${name} of ${node.kernelName} must be float32, got ${dx.dtype}`);
        if (!tf.util.arraysEqual(dx.shape, x.shape)) throw new Error(`the gradient of input '${name}' of ${node.kernelName} has shape ${dx.shape}, its input ${x.shape}`);
        // A gradient function may hand back a tensor this walk frees below (dy, a saved one).
        if (dys.includes(dx) || node.saved?.includes(dx)) dx = dx.clone();
        const sum = gradients.get(x.id);
        if (sum === undefined) gradients.set(x.id, dx);
        else {
          gradients.set(x.id, tf.add(sum, dx));
          sum.dispose();
          dx.dispose();
        }
      }
      // Every consumer of this node's outputs came later on the tape and is done.
      for (const o of node.outputs) {
        if (keep.has(o.id)) continue;
        gradients.get(o.id)?.dispose();
        gradients.delete(o.id);
      }
      for (const t of node.saved ?? []) t.dispose();
    }
    const grads: tf.NamedTensorMap = {};
    for (const v of xs) {
      const g = gradients.get(v.id);
      if (g !== undefined) grads[v.name] = g;
    }
    for (const node of tape) for (const t of node.saved ?? []) t.dispose();
    engine.state.activeTape = null;
    return { value: y as tf.Scalar, grads };
  });
}
