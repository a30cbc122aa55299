import * as tf from '@tensorflow/tfjs';

/** Mean softmax cross-entropy over the batch (label smoothing is a trick: `label-smoothing`). */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D, classes: number): tf.Scalar {
  const logp = tf.logSoftmax(logits);
  const target: tf.Tensor = tf.oneHot(labels, classes).toFloat();
  return tf.neg(tf.mean(tf.sum(tf.mul(target, logp), 1))) as tf.Scalar;
}

/** Number of rows whose label is among the top-k logits. */
export function topKCorrect(logits: tf.Tensor2D, labels: tf.Tensor1D, k: number): tf.Scalar {
  const kk = Math.min(k, logits.shape[1]);
  const { indices } = tf.topk(logits, kk);
  const hits = tf.equal(indices, tf.expandDims(labels.toInt(), 1));
  return tf.sum(tf.cast(hits, 'int32'));
}
