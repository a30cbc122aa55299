import * as tf from '@tensorflow/tfjs';

/**
 * TensorFlow.js in production mode from the engine's first import: its warnings (the "Hi, looks
 * like you are running TensorFlow.js in Node.js… install our node backend" banner on the first use
 * of its cpu backend) stay out of naslab's output. naslab picks its backend on purpose (libtorch,
 * wasm, …) and the CLI says which, and what a faster one needs, once per run.
 */
tf.enableProdMode();
