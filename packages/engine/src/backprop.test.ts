import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import { variableGradsFreeing } from './backprop.js';

let seed = 99;
function rnd(shape: number[], scale = 0.5): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return (seed / 2 ** 31 - 0.5) * 2 * scale;
    }),
    shape,
  );
}

/** A small DAG: shared inputs, a skip connection, a concat, batch statistics, an unused variable. */
function network(vars: tf.Variable[], x: tf.Tensor4D): () => tf.Scalar {
  const [w1, w2, w3, fc] = vars as unknown as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D, tf.Tensor2D];
  return () => {
    let h = tf.relu(tf.conv2d(x, w1, 1, 'same'));
    for (let i = 0; i < 6; i++) {
      const a = tf.relu(tf.conv2d(h, w2, 1, 'same'));
      const b = tf.conv2d(h, w3, 1, 'same');
      const m = tf.moments(a, [0, 1, 2]);
      const n = tf.batchNorm(a, m.mean, m.variance, tf.zeros([8]), tf.ones([8]), 1e-5);
      h = tf.add(tf.add(n, b), h);
    }
    const pooled = tf.concat([tf.mean(h, [1, 2]), tf.max(h, [1, 2])], 1);
    return tf.losses.softmaxCrossEntropy(tf.oneHot(tf.tensor1d([0, 1, 2, 0], 'int32'), 3), tf.matMul(pooled, fc));
  };
}

let run = 0;
function setup() {
  seed = 99;
  run++;
  const vars = [rnd([3, 3, 3, 8]), rnd([3, 3, 8, 8]), rnd([1, 1, 8, 8]), rnd([16, 3]), rnd([5])].map((t, i) => tf.variable(t, true, `run${run}v${i}`));
  const x = rnd([4, 12, 12, 3], 1) as tf.Tensor4D;
  return { vars, x };
}

describe('variableGradsFreeing', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('gives tfjs\' gradients bit for bit, and none for a variable the loss does not reach', () => {
    const { vars, x } = setup();
    const ours = variableGradsFreeing(network(vars, x), vars);
    const theirs = tf.variableGrads(network(vars, x), vars);
    expect(ours.value.dataSync()).toEqual(theirs.value.dataSync());
    for (const v of vars.slice(0, 4)) expect(ours.grads[v.name]!.dataSync(), v.name).toEqual(theirs.grads[v.name]!.dataSync());
    expect(ours.grads[vars[4]!.name]).toBeUndefined();
    tf.dispose([ours.value, theirs.value, ...Object.values(ours.grads), ...Object.values(theirs.grads), x, ...vars]);
  });

  it('leaves nothing behind, and peaks well below tfjs\' backprop', async () => {
    const { vars, x } = setup();
    const peak = async (g: typeof variableGradsFreeing) => {
      const before = tf.memory().numTensors;
      const info = await tf.profile(() => {
        const r = g(network(vars, x), vars);
        tf.dispose([r.value, ...Object.values(r.grads)]);
      });
      expect(tf.memory().numTensors, 'tensors left').toBe(before);
      return info.peakBytes;
    };
    const ours = await peak(variableGradsFreeing);
    const theirs = await peak((f, v) => tf.variableGrads(f, [...v]));
    // tfjs holds every saved activation and every gradient to the end; freeing as it goes keeps
    // roughly the saved activations plus a frontier of gradients.
    expect(ours, `peak ${ours} vs tfjs ${theirs} bytes`).toBeLessThan(0.75 * theirs);
    tf.dispose([x, ...vars]);
  });
});
