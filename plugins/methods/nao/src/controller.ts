/**
 * NAO's encoder–predictor–decoder (Luo et al., NeurIPS 2018; antoyang/NAS-Benchmark `NAO/encoder.py`,
 * `decoder.py`, `controller.py`), written here on TensorFlow.js:
 * - encoder: token embedding (48) of the 40 tokens, consecutive pairs concatenated into 20 steps of
 *   96 (`source_length 40`, `encoder_length 20`), a 1-layer LSTM of 96, outputs L2-normalised per
 *   step; the architecture embedding is their mean, L2-normalised;
 * - predictor: an MLP (3 × 200, ReLU, dropout 0.1) and a linear regressor, sigmoid;
 * - decoder: a 1-layer LSTM of 96 started from (embedding, embedding), token embedding 96, the
 *   attention of `decoder.Attention` over the encoder outputs (dot scores, softmax, tanh of a linear
 *   map of [mix, h]), a linear map to the 12 tokens; greedy decoding restricted per position as
 *   `Decoder.decode`.
 * Every ≥ 2-D weight starts uniform in [−0.04, 0.04] (`init_parameters`); biases as PyTorch's defaults.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '@naslab/core';
import { clipByGlobalNorm } from '@naslab/engine';
import { allowedTokens, SEQUENCE_LENGTH, SOS_TOKEN, VOCABULARY } from './sequence.js';

export interface ControllerShape {
  /** `--controller_encoder_emb_size 48`. */
  readonly embedding: number;
  /** Encoder and decoder LSTM units (`--controller_encoder_hidden_size 96`); must be 2 × `embedding`. */
  readonly hidden: number;
  /** `--controller_mlp_layers 3`. */
  readonly mlpLayers: number;
  /** `--controller_mlp_hidden_size 200`. */
  readonly mlpHidden: number;
  /** `--controller_mlp_dropout 0.1`. */
  readonly mlpDropout: number;
}

export const NAO_CODE_CONTROLLER_SHAPE: ControllerShape = { embedding: 48, hidden: 96, mlpLayers: 3, mlpHidden: 200, mlpDropout: 0.1 };

/** One EPD training run's settings (`--controller_*`): Adam 1e-3, L2 1e-4, clip 5, batch 100, 1000 epochs. */
export interface ControllerTraining {
  /** λ of λ·MSE + (1 − λ)·NLL. */
  readonly tradeOff: number;
  readonly learningRate: number;
  readonly weightDecay: number;
  readonly gradClip: number;
  readonly batchSize: number;
  readonly epochs: number;
}

const INIT_RANGE = 0.04;
const ENCODER_STEPS = SEQUENCE_LENGTH / 2;

type Tensor3D = tf.Tensor3D;
type Tensor2D = tf.Tensor2D;

/** PyTorch's `F.normalize(x, 2, dim=-1)`. */
function l2Normalise<T extends tf.Tensor>(x: T): T {
  const norm = tf.maximum(tf.norm(x, 2, -1, true), 1e-12);
  return tf.div(x, norm) as T;
}

function lstmStep(x: Tensor2D, h: Tensor2D, c: Tensor2D, w: tf.Tensor, b: tf.Tensor): { h: Tensor2D; c: Tensor2D } {
  const gates = tf.add(tf.matMul(tf.concat([x, h], 1), w as Tensor2D), b);
  // PyTorch's gate order: input, forget, cell, output
  const [i, f, g, o] = tf.split(gates, 4, 1) as [Tensor2D, Tensor2D, Tensor2D, Tensor2D];
  const c2 = tf.add(tf.mul(tf.sigmoid(f), c), tf.mul(tf.sigmoid(i), tf.tanh(g))) as Tensor2D;
  return { h: tf.mul(tf.sigmoid(o), tf.tanh(c2)) as Tensor2D, c: c2 };
}

export interface EncoderPass {
  /** L2-normalised LSTM outputs [B, 20, H]. */
  readonly outputs: Tensor3D;
  /** The architecture embedding [B, H]. */
  readonly embedding: Tensor2D;
}

export class NaoController {
  readonly shape: ControllerShape;
  private readonly vars = new Map<string, tf.Variable>();

  constructor(rng: Rng, shape: ControllerShape = NAO_CODE_CONTROLLER_SHAPE) {
    if (shape.hidden !== 2 * shape.embedding) throw new Error(`nao: the encoder's LSTM width (${shape.hidden}) must be twice its embedding (${shape.embedding}): two tokens per step`);
    this.shape = shape;
    const { embedding: E, hidden: H, mlpHidden: M } = shape;
    const matrix = (name: string, shape: number[]) => {
      const r = rng.split(name);
      const n = shape.reduce((a, b) => a * b, 1);
      this.vars.set(name, tf.variable(tf.tensor(Float32Array.from({ length: n }, () => (2 * r.uniform() - 1) * INIT_RANGE), shape), true));
    };
    // PyTorch's default bias: U(±1/√fan_in); an LSTM has two (b_ih + b_hh), summed here.
    const bias = (name: string, n: number, fanIn: number, count = 1) => {
      const r = rng.split(name);
      const k = 1 / Math.sqrt(fanIn);
      const values = Float32Array.from({ length: n }, () => {
        let s = 0;
        for (let j = 0; j < count; j++) s += (2 * r.uniform() - 1) * k;
        return s;
      });
      this.vars.set(name, tf.variable(tf.tensor1d(values), true));
    };
    matrix('encoder.embedding', [VOCABULARY, E]);
    matrix('encoder.lstm.w', [2 * H, 4 * H]);
    bias('encoder.lstm.b', 4 * H, H, 2);
    for (let l = 0; l < shape.mlpLayers; l++) {
      const fanIn = l === 0 ? H : M;
      matrix(`encoder.mlp.${l}.w`, [fanIn, M]);
      bias(`encoder.mlp.${l}.b`, M, fanIn);
    }
    const last = shape.mlpLayers === 0 ? H : M;
    matrix('encoder.regressor.w', [last, 1]);
    bias('encoder.regressor.b', 1, last);
    matrix('decoder.embedding', [VOCABULARY, H]);
    matrix('decoder.lstm.w', [2 * H, 4 * H]);
    bias('decoder.lstm.b', 4 * H, H, 2);
    matrix('decoder.attention.input', [H, H]);
    matrix('decoder.attention.output', [2 * H, H]);
    matrix('decoder.out.w', [H, VOCABULARY]);
    bias('decoder.out.b', VOCABULARY, H);
  }

  private v(name: string): tf.Variable {
    return this.vars.get(name)!;
  }

  /** The encoder on token sequences [B, 40] (int32). */
  encode(tokens: tf.Tensor2D): EncoderPass {
    const B = tokens.shape[0];
    const { embedding: E, hidden: H } = this.shape;
    const embedded = tf.reshape(tf.gather(this.v('encoder.embedding'), tokens), [B, ENCODER_STEPS, 2 * E]);
    let h = tf.zeros([B, H]) as Tensor2D;
    let c = tf.zeros([B, H]) as Tensor2D;
    const outs: Tensor2D[] = [];
    for (const x of tf.unstack(embedded, 1) as Tensor2D[]) {
      ({ h, c } = lstmStep(x, h, c, this.v('encoder.lstm.w'), this.v('encoder.lstm.b')));
      outs.push(h);
    }
    const outputs = l2Normalise(tf.stack(outs, 1) as Tensor3D);
    return { outputs, embedding: this.embed(outputs) };
  }

  private embed(outputs: Tensor3D): Tensor2D {
    return l2Normalise(tf.mean(outputs, 1) as Tensor2D);
  }

  /** The predictor's score in (0, 1) from encoder outputs [B, 20, H]: [B]. `rng` turns the MLP's dropout on. */
  predictFromOutputs(outputs: Tensor3D, rng?: Rng): tf.Tensor1D {
    let x: tf.Tensor2D = this.embed(outputs);
    const keep = 1 - this.shape.mlpDropout;
    for (let l = 0; l < this.shape.mlpLayers; l++) {
      x = tf.relu(tf.add(tf.matMul(x, this.v(`encoder.mlp.${l}.w`) as Tensor2D), this.v(`encoder.mlp.${l}.b`))) as Tensor2D;
      if (rng && this.shape.mlpDropout > 0) {
        const mask = Float32Array.from({ length: x.size }, () => (rng.uniform() < keep ? 1 / keep : 0));
        x = tf.mul(x, tf.tensor2d(mask, x.shape)) as Tensor2D;
      }
    }
    const out = tf.add(tf.matMul(x, this.v('encoder.regressor.w') as Tensor2D), this.v('encoder.regressor.b'));
    return tf.reshape(tf.sigmoid(out), [-1]) as tf.Tensor1D;
  }

  /**
   * The attention and output layer on decoder LSTM states [B, T, H] over `source` [B, 20, H]:
   * log-probabilities [B, T, V]. The attention does not feed back into the LSTM, so the
   * teacher-forced pass runs it on all steps at once.
   */
  private attend(states: Tensor3D, source: Tensor3D): Tensor3D {
    const [B, T, H] = states.shape;
    const flat = (x: tf.Tensor, width: number) => tf.reshape(x, [B * T, width]) as Tensor2D;
    const query = tf.reshape(tf.matMul(flat(states, H), this.v('decoder.attention.input') as Tensor2D), [B, T, H]) as Tensor3D;
    const attention = tf.softmax(tf.matMul(query, source, false, true));
    const mix = tf.matMul(attention, source);
    const output = tf.tanh(tf.matMul(flat(tf.concat([mix, states], 2), 2 * H), this.v('decoder.attention.output') as Tensor2D)) as Tensor2D;
    const logits = tf.add(tf.matMul(output, this.v('decoder.out.w') as Tensor2D), this.v('decoder.out.b'));
    return tf.reshape(tf.logSoftmax(logits as Tensor2D), [B, T, VOCABULARY]) as Tensor3D;
  }

  /** One decoder step: LSTM, attention over `source` [B, 20, H], log-probabilities [B, V]. */
  private decoderStep(input: Tensor2D, state: { h: Tensor2D; c: Tensor2D }, source: Tensor3D): { logProbs: Tensor2D; h: Tensor2D; c: Tensor2D } {
    const { h, c } = lstmStep(input, state.h, state.c, this.v('decoder.lstm.w'), this.v('decoder.lstm.b'));
    return { logProbs: tf.reshape(this.attend(tf.expandDims(h, 1) as Tensor3D, source), [h.shape[0], VOCABULARY]) as Tensor2D, h, c };
  }

  /** Teacher-forced decoding: inputs [B, 40] = SOS + the sequence without its last token; log-probabilities [B, 40, V]. */
  decodeTeacherForced(pass: EncoderPass, inputs: tf.Tensor2D): Tensor3D {
    let h = pass.embedding;
    let c = pass.embedding;
    const states: Tensor2D[] = [];
    for (const x of tf.unstack(tf.gather(this.v('decoder.embedding'), inputs), 1) as Tensor2D[]) {
      ({ h, c } = lstmStep(x, h, c, this.v('decoder.lstm.w'), this.v('decoder.lstm.b')));
      states.push(h);
    }
    return this.attend(tf.stack(states, 1) as Tensor3D, pass.outputs);
  }

  /** Greedy decoding from `source` [B, 20, H] and the embedding [B, H]; each token the best among those allowed at its position. */
  decodeGreedy(source: Tensor3D, embedding: Tensor2D): number[][] {
    const B = source.shape[0];
    const seqs: number[][] = Array.from({ length: B }, () => []);
    tf.tidy(() => {
      let state = { h: embedding, c: embedding };
      let input = tf.gather(this.v('decoder.embedding'), tf.fill([B], SOS_TOKEN, 'int32')) as Tensor2D;
      for (let t = 0; t < SEQUENCE_LENGTH; t++) {
        const r = this.decoderStep(input, state, source);
        state = r;
        const lp = r.logProbs.dataSync();
        const [lo, hi] = allowedTokens(t);
        const chosen = seqs.map((seq, b) => {
          let best = lo;
          for (let k = lo + 1; k < hi; k++) if (lp[b * VOCABULARY + k]! > lp[b * VOCABULARY + best]!) best = k;
          seq.push(best);
          return best;
        });
        input = tf.gather(this.v('decoder.embedding'), tf.tensor1d(chosen, 'int32')) as Tensor2D;
      }
    });
    return seqs;
  }

  /** The predictor's scores of sequences (dropout off). */
  predict(seqs: readonly number[][]): number[] {
    return tf.tidy(() => Array.from(this.predictFromOutputs(this.encode(tf.tensor2d(seqs.map((s) => [...s]), undefined, 'int32')).outputs).dataSync()));
  }

  /** Encodes and decodes (the embedding unchanged): the reconstruction. */
  reconstruct(seqs: readonly number[][]): number[][] {
    return tf.tidy(() => {
      const pass = this.encode(tf.tensor2d(seqs.map((s) => [...s]), undefined, 'int32'));
      return this.decodeGreedy(pass.outputs, pass.embedding);
    });
  }

  /**
   * `Encoder.infer` + `generate_new_arch` with direction '+': the encoder outputs move by
   * `step`·∂f/∂outputs (gradient ascent on the predicted score f), are re-normalised, and the
   * decoder reads the new outputs and their embedding. Returns the decoded sequences and the
   * predictor's score at the moved outputs.
   */
  move(seqs: readonly number[][], step: number): { seqs: number[][]; before: number[]; after: number[] } {
    return tf.tidy(() => {
      const { outputs } = this.encode(tf.tensor2d(seqs.map((s) => [...s]), undefined, 'int32'));
      const grad = tf.grad((o: tf.Tensor) => tf.sum(this.predictFromOutputs(o as Tensor3D)))(outputs);
      const moved = l2Normalise(tf.add(outputs, tf.mul(grad, step)) as Tensor3D);
      const before = Array.from(this.predictFromOutputs(outputs).dataSync());
      const after = Array.from(this.predictFromOutputs(moved).dataSync());
      return { seqs: this.decodeGreedy(moved, this.embed(moved)), before, after };
    });
  }

  /**
   * Trains the EPD on (sequence, target) pairs (`nao_train`): shuffled minibatches, loss
   * λ·MSE + (1 − λ)·NLL of the teacher-forced decoder, gradients clipped to global norm 5, then
   * Adam with PyTorch's coupled L2 (a fresh Adam per call, as the code makes one per round).
   * `augment` maps a sequence each time it is drawn (the branch swap). Returns the last epoch's means.
   */
  train(
    data: ReadonlyArray<{ seq: readonly number[]; target: number }>,
    o: ControllerTraining,
    rng: Rng,
    augment?: (seq: readonly number[], rng: Rng) => number[],
  ): { loss: number; mse: number; nll: number } {
    const names = [...this.vars.keys()];
    const variables = names.map((n) => this.v(n));
    const adam = new Adam(variables, o.learningRate, o.weightDecay);
    let last = { loss: Number.NaN, mse: Number.NaN, nll: Number.NaN };
    try {
      for (let epoch = 0; epoch < o.epochs; epoch++) {
        const order = rng.permutation(data.length);
        let sum = { loss: 0, mse: 0, nll: 0 };
        for (let s = 0; s < data.length; s += o.batchSize) {
          const idx = Array.from(order.subarray(s, Math.min(data.length, s + o.batchSize)));
          const seqs = idx.map((i) => (augment ? augment(data[i]!.seq, rng) : [...data[i]!.seq]));
          const targets = idx.map((i) => data[i]!.target);
          const values = tf.tidy(() => {
            const tokens = tf.tensor2d(seqs, undefined, 'int32');
            const inputs = tf.tensor2d(seqs.map((q) => [SOS_TOKEN, ...q.slice(0, -1)]), undefined, 'int32');
            const y = tf.tensor1d(targets);
            const parts: tf.Scalar[] = [];
            const { grads } = tf.variableGrads(() => {
              const pass = this.encode(tokens);
              const mse = tf.mean(tf.square(tf.sub(this.predictFromOutputs(pass.outputs, rng), y))) as tf.Scalar;
              const logProbs = this.decodeTeacherForced(pass, inputs);
              const nll = tf.neg(tf.mean(tf.sum(tf.mul(logProbs, tf.oneHot(tokens, VOCABULARY)), 2))) as tf.Scalar;
              parts.push(tf.keep(mse), tf.keep(nll));
              return tf.add(tf.mul(mse, o.tradeOff), tf.mul(nll, 1 - o.tradeOff)) as tf.Scalar;
            }, variables);
            const clipped = clipByGlobalNorm(
              variables.map((v) => grads[v.name]),
              o.gradClip,
            );
            adam.step(clipped);
            const [mse, nll] = parts as [tf.Scalar, tf.Scalar];
            const out = [mse.dataSync()[0]!, nll.dataSync()[0]!];
            mse.dispose();
            nll.dispose();
            return out;
          });
          const n = idx.length;
          sum = { loss: sum.loss + n * (o.tradeOff * values[0]! + (1 - o.tradeOff) * values[1]!), mse: sum.mse + n * values[0]!, nll: sum.nll + n * values[1]! };
        }
        last = { loss: sum.loss / data.length, mse: sum.mse / data.length, nll: sum.nll / data.length };
      }
    } finally {
      adam.dispose();
    }
    return last;
  }

  /** Weights in a fixed order, for a checkpoint. */
  state(): Array<{ name: string; shape: readonly number[]; values: Float32Array }> {
    return [...this.vars].map(([name, v]) => ({ name: `controller/${name}`, shape: v.shape, values: v.dataSync() as Float32Array }));
  }

  restore(tensors: ReadonlyMap<string, { shape: readonly number[]; values: Float32Array }>): void {
    tf.tidy(() => {
      for (const [name, v] of this.vars) {
        const t = tensors.get(`controller/${name}`);
        if (!t || t.values.length !== v.size) throw new Error(`nao checkpoint lacks controller/${name} or has another shape`);
        v.assign(tf.tensor(Float32Array.from(t.values), v.shape));
      }
    });
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
  }
}

/** PyTorch's Adam (β 0.9, 0.999, ε 1e-8) with `weight_decay` added to the gradient. Call `step` inside `tf.tidy`. */
class Adam {
  private readonly m: tf.Variable[];
  private readonly s: tf.Variable[];
  private t = 0;
  constructor(
    private readonly variables: readonly tf.Variable[],
    private readonly lr: number,
    private readonly weightDecay: number,
  ) {
    this.m = variables.map((v) => tf.variable(tf.zerosLike(v), false));
    this.s = variables.map((v) => tf.variable(tf.zerosLike(v), false));
  }
  step(grads: ReadonlyArray<tf.Tensor | undefined>): void {
    this.t += 1;
    const c1 = 1 - 0.9 ** this.t;
    const c2 = 1 - 0.999 ** this.t;
    this.variables.forEach((w, i) => {
      let g = grads[i];
      if (!g) return;
      if (this.weightDecay) g = tf.add(g, tf.mul(w, this.weightDecay));
      const m = tf.add(tf.mul(this.m[i]!, 0.9), tf.mul(g, 0.1));
      const s = tf.add(tf.mul(this.s[i]!, 0.999), tf.mul(tf.square(g), 0.001));
      this.m[i]!.assign(m);
      this.s[i]!.assign(s);
      const denom = tf.add(tf.div(tf.sqrt(s), Math.sqrt(c2)), 1e-8);
      w.assign(tf.sub(w, tf.mul(tf.div(m, denom), this.lr / c1)));
    });
  }
  dispose(): void {
    for (const v of [...this.m, ...this.s]) v.dispose();
  }
}

/** Share of pairs the two lists order the same way (`utils.pairwise_accuracy`). */
export function pairwiseAccuracy(truth: readonly number[], predicted: readonly number[]): number {
  let count = 0;
  let total = 0;
  for (let i = 0; i < truth.length; i++) {
    for (let j = i + 1; j < truth.length; j++) {
      if (truth[i]! >= truth[j]! && predicted[i]! >= predicted[j]!) count++;
      if (truth[i]! < truth[j]! && predicted[i]! < predicted[j]!) count++;
      total++;
    }
  }
  return total === 0 ? Number.NaN : count / total;
}
