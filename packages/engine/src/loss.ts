import * as tf from '@tensorflow/tfjs';

/**
 * Mean softmax cross-entropy over the batch, with optional label smoothing
 * (target = (1 − ε)·one-hot + ε/K, as PyTorch's `label_smoothing`).
 */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D, classes: number, smoothing = 0): tf.Scalar {
  const logp = tf.logSoftmax(logits);
  let target: tf.Tensor = tf.oneHot(labels, classes).toFloat();
  if (smoothing > 0) target = tf.add(tf.mul(target, 1 - smoothing), smoothing / classes);
  return tf.neg(tf.mean(tf.sum(tf.mul(target, logp), 1))) as tf.Scalar;
}

/** Number of rows whose label is among the top-k logits. */
export function topKCorrect(logits: tf.Tensor2D, labels: tf.Tensor1D, k: number): tf.Scalar {
  const kk = Math.min(k, logits.shape[1]);
  const { indices } = tf.topk(logits, kk);
  const hits = tf.equal(indices, tf.expandDims(labels.toInt(), 1));
  return tf.sum(tf.cast(hits, 'int32'));
}
