/**
 * The ENAS micro controller (Pham et al., ICML 2018; melodyguan/enas `src/cifar10/micro_controller.py`
 * as the benchmark's `ENASTF/` ran it): a 1-layer LSTM that samples, per node of the normal cell
 * then the reduction cell, an input index by additive attention over the earlier states and an op
 * from a softmax; trained by REINFORCE, loss = (−log p(arc))·(R − b), with the reward
 * R = accuracy + entropy weight · entropy and an exponential-moving-average baseline b.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '@naslab/core';
import { ENAS_NODES, ENAS_OPS, type EnasArc } from '@naslab/space-enas-micro';

export interface ControllerSettings {
  /** LSTM units (`--controller_lstm_size 64`). */
  readonly lstmSize: number;
  /** Logits = c·tanh(logits) for the input indices (`--controller_tanh_constant 1.10`). */
  readonly tanhConstant: number | null;
  /** The op logits use c / this (`--controller_op_tanh_reduce 2.5`). */
  readonly opTanhReduce: number;
  /** Logits divided by this first (TF: none; ENAS-PyTorch: 5.0). */
  readonly temperature: number | null;
  readonly learningRate: number;
  readonly entropyWeight: number;
  /** Baseline EMA decay (`--controller_bl_dec 0.99`). */
  readonly baselineDecay: number;
}

/** The code's CIFAR settings (`ENASTF/README.md`, `main.py`): lr 0.0035, entropy weight 1e-4. */
export const ENAS_CODE_CONTROLLER: ControllerSettings = {
  lstmSize: 64,
  tanhConstant: 1.1,
  opTanhReduce: 2.5,
  temperature: null,
  learningRate: 0.0035,
  entropyWeight: 1e-4,
  baselineDecay: 0.99,
};

/** The seed paper's Appendix A.1 values: lr 0.00035, entropy weight 0.1. */
export const ENAS_PAPER_CONTROLLER: ControllerSettings = { ...ENAS_CODE_CONTROLLER, learningRate: 0.00035, entropyWeight: 0.1 };

/** `b_soft` initial value: sep convs favoured at the start (`[10, 10, 0, 0, 0]`). */
const B_SOFT_INIT = [10, 10, 0, 0, 0];
/** Constant added to the normal cell's op logits (`use_bias`): `[0.25, 0.25, −0.25, −0.25, −0.25]`. */
const B_SOFT_NO_LEARN = [0.25, 0.25, -0.25, -0.25, -0.25];

export interface ArcSample {
  readonly arc: EnasArc;
  /** Σ −log p of the decisions (ENAS' `sample_log_prob`). */
  readonly negLogProb: number;
  /** Σ (−log p)·p of the chosen decisions (the code's `sample_entropy`). */
  readonly entropy: number;
}

const tensorOf = (values: Float32Array, shape: readonly number[]) => tf.tensor(Float32Array.from(values), [...shape]);

/** One decision: a number from the logits, or the arc's own value when re-scoring it. */
type Choose = (logits: tf.Tensor2D) => number;

export class EnasController {
  readonly settings: ControllerSettings;
  private readonly vars: Record<string, tf.Variable>;
  private readonly optimizer: tf.AdamOptimizer;
  /** EMA baseline; null before the first reward. */
  baseline = 0;

  constructor(rng: Rng, settings: ControllerSettings = ENAS_CODE_CONTROLLER) {
    this.settings = settings;
    const n = settings.lstmSize;
    // uniform in [−0.1, 0.1], as the controller's initializer
    const uniform = (shape: number[], label: string) => {
      const r = rng.split(label);
      const size = shape.reduce((a, b) => a * b, 1);
      return tf.variable(tf.tensor(Float32Array.from({ length: size }, () => (r.uniform() * 2 - 1) * 0.1), shape), true);
    };
    this.vars = {
      lstm: uniform([2 * n, 4 * n], 'w_lstm'),
      gEmb: uniform([1, n], 'g_emb'),
      wEmb: uniform([ENAS_OPS.length, n], 'w_emb'),
      wSoft: uniform([n, ENAS_OPS.length], 'w_soft'),
      bSoft: tf.variable(tf.tensor2d([B_SOFT_INIT]), true),
      attn1: uniform([n, n], 'w_attn_1'),
      attn2: uniform([n, n], 'w_attn_2'),
      v: uniform([n, 1], 'v_attn'),
    };
    // β1 = 0, ε = 1e-3 (`get_train_ops(..., optim_algo="adam")` with `beta1=0.0, epsilon=1e-3`)
    this.optimizer = tf.train.adam(settings.learningRate, 0, 0.999, 1e-3);
  }

  /** Walks both cells' 40 decisions; returns Σ −log p and Σ entropy as tensors. */
  private walk(choose: Choose): { arc: EnasArc; negLogProb: tf.Scalar; entropy: tf.Scalar } {
    const { lstm, gEmb, wEmb, wSoft, bSoft, attn1, attn2, v } = this.vars as Record<string, tf.Tensor2D>;
    const s = this.settings;
    let c: tf.Tensor2D = tf.zeros([1, s.lstmSize]);
    let h: tf.Tensor2D = tf.zeros([1, s.lstmSize]);
    const step = (x: tf.Tensor2D) => {
      const ifog = tf.matMul(tf.concat([x, h], 1), lstm);
      const [i, f, o, g] = tf.split(ifog, 4, 1) as tf.Tensor2D[];
      c = tf.add(tf.mul(tf.sigmoid(i!), tf.tanh(g!)), tf.mul(tf.sigmoid(f!), c));
      h = tf.mul(tf.sigmoid(o!), tf.tanh(c));
    };
    let negLogProb: tf.Scalar = tf.scalar(0);
    let entropy: tf.Scalar = tf.scalar(0);
    const decide = (logits: tf.Tensor2D): number => {
      let l = logits;
      if (s.temperature !== null) l = tf.div(l, s.temperature);
      const k = choose(l);
      const nlp = tf.neg(tf.logSoftmax(l).gather([k], 1).reshape([])) as tf.Scalar;
      negLogProb = tf.add(negLogProb, nlp) as tf.Scalar;
      // the code's "entropy": (−log p)·p of the chosen value, not the softmax's full entropy
      entropy = tf.add(entropy, tf.mul(nlp, tf.exp(tf.neg(nlp)))) as tf.Scalar;
      return k;
    };
    const cells: number[][] = [];
    for (const cell of ['normal', 'reduce'] as const) {
      const anchors: tf.Tensor2D[] = [];
      const anchorsW: tf.Tensor2D[] = [];
      let input: tf.Tensor2D = gEmb;
      for (let k = 0; k < 2; k++) {
        step(input);
        anchors.push(tf.zerosLike(h));
        anchorsW.push(tf.matMul(h, attn1));
      }
      const seq: number[] = [];
      for (let node = 0; node < ENAS_NODES; node++) {
        const ids: number[] = [];
        for (let k = 0; k < 2; k++) {
          step(input);
          const query = tf.tanh(tf.add(tf.concat(anchorsW, 0), tf.matMul(h, attn2)));
          let logits = tf.reshape(tf.matMul(query, v), [1, anchorsW.length]) as tf.Tensor2D;
          if (s.tanhConstant !== null) logits = tf.mul(s.tanhConstant, tf.tanh(logits));
          const id = decide(logits);
          ids.push(id);
          input = anchors[id]!;
        }
        const ops: number[] = [];
        for (let k = 0; k < 2; k++) {
          step(input);
          let logits = tf.add(tf.matMul(h, wSoft), bSoft) as tf.Tensor2D;
          if (s.tanhConstant !== null) logits = tf.mul(s.tanhConstant / s.opTanhReduce, tf.tanh(logits));
          if (cell === 'normal') logits = tf.add(logits, tf.tensor2d([B_SOFT_NO_LEARN]));
          const op = decide(logits);
          ops.push(op);
          input = tf.gather(wEmb, [op]) as tf.Tensor2D;
        }
        seq.push(ids[0]!, ops[0]!, ids[1]!, ops[1]!);
        step(input);
        anchors.push(h);
        anchorsW.push(tf.matMul(h, attn1));
        input = gEmb;
      }
      cells.push(seq);
    }
    return { arc: { normal: cells[0]!, reduce: cells[1]! }, negLogProb, entropy };
  }

  /** Draws an arc (the reduction sampler continues from the normal one's LSTM state, as the code). */
  sample(rng: Rng): ArcSample {
    return this.numbers((logits) => {
        const p = tf.softmax(logits).dataSync();
        let u = rng.uniform();
        for (let k = 0; k < p.length; k++) {
          u -= p[k]!;
          if (u < 0) return k;
        }
      return p.length - 1;
    });
  }

  /** Runs `walk` and reads its sums, freeing every tensor it made. */
  private numbers(choose: Choose): ArcSample {
    let result: ArcSample | undefined;
    tf.tidy(() => {
      const out = this.walk(choose);
      result = { arc: out.arc, negLogProb: out.negLogProb.dataSync()[0]!, entropy: out.entropy.dataSync()[0]! };
    });
    return result!;
  }

  /** −log p(arc) and its entropy under the current controller. */
  score(arc: EnasArc): ArcSample {
    return { ...this.numbers(this.replay(arc)), arc };
  }

  private replay(arc: EnasArc): Choose {
    const seq = [...arc.normal, ...arc.reduce];
    // decision order per node: x_id, y_id, x_op, y_op; stored as x_id x_op y_id y_op
    const order = Array.from({ length: seq.length / 4 }, (_, n) => [4 * n, 4 * n + 2, 4 * n + 1, 4 * n + 3]).flat();
    let i = 0;
    return () => seq[order[i++]!]!;
  }

  /**
   * One REINFORCE update from `samples` arcs and their accuracies (0–1): each reward gets
   * entropy weight · entropy, the baseline moves towards it (b ← b − (1 − decay)(b − R)), and the
   * summed loss (−log p)(R − b) over the samples is averaged (`num_aggregate`) and applied by Adam.
   */
  update(samples: ReadonlyArray<{ arc: EnasArc; accuracy: number }>): { loss: number; baseline: number; rewards: number[] } {
    const rewards: number[] = [];
    const variables = Object.values(this.vars);
    let loss = Number.NaN;
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => {
        let total: tf.Scalar = tf.scalar(0);
        for (const s of samples) {
          const out = this.walk(this.replay(s.arc));
          // the entropy bonus and the baseline are constants of the loss (TF's stop_gradient)
          const reward = s.accuracy + this.settings.entropyWeight * out.entropy.dataSync()[0]!;
          this.baseline -= (1 - this.settings.baselineDecay) * (this.baseline - reward);
          rewards.push(reward);
          total = tf.add(total, tf.mul(out.negLogProb, reward - this.baseline));
        }
        return tf.div(total, samples.length) as tf.Scalar;
      }, variables);
      this.optimizer.applyGradients(grads as unknown as Parameters<tf.AdamOptimizer['applyGradients']>[0]);
      loss = value.dataSync()[0]!;
    });
    return { loss, baseline: this.baseline, rewards };
  }

  /** Weights and Adam's moments and step, for a checkpoint (in a fixed order; the baseline is the caller's to keep, in float64). */
  async state(): Promise<Array<{ name: string; shape: readonly number[]; values: Float32Array }>> {
    const out = Object.entries(this.vars).map(([k, v]) => ({ name: `controller/${k}`, shape: v.shape, values: v.dataSync() as Float32Array }));
    const adam = await this.optimizer.getWeights();
    adam.forEach((w, i) => out.push({ name: `controller/adam/${i}`, shape: w.tensor.shape, values: w.tensor.dataSync() as Float32Array }));
    return out;
  }

  /** Restores `state()`; Adam's slots are matched by position, as tfjs applies them. */
  async restore(tensors: ReadonlyMap<string, { shape: readonly number[]; values: Float32Array }>): Promise<void> {
    for (const [k, v] of Object.entries(this.vars)) {
      const t = tensors.get(`controller/${k}`);
      if (!t || t.values.length !== v.size) throw new Error(`ENAS checkpoint lacks controller/${k} or has another shape`);
      v.assign(tensorOf(t.values, v.shape));
    }
    const adam: Array<{ name: string; tensor: tf.Tensor }> = [];
    for (let i = 0; tensors.has(`controller/adam/${i}`); i++) {
      const t = tensors.get(`controller/adam/${i}`)!;
      adam.push({ name: `slot-${i}`, tensor: tensorOf(t.values, t.shape) });
    }
    if (adam.length > 0) await this.optimizer.setWeights(adam);
  }

  dispose(): void {
    for (const v of Object.values(this.vars)) v.dispose();
    this.optimizer.dispose();
  }
}
