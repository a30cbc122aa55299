import * as tf from '@tensorflow/tfjs';
await tf.setBackend('cpu'); tf.enableProdMode();
const a = tf.randomNormal([100, 64]); const w = tf.randomNormal([64, 64]);
let t = performance.now();
for (let i = 0; i < 200; i++) tf.tidy(() => tf.matMul(a, w).dataSync());
console.log('matmul 100x64x64', ((performance.now() - t) / 200).toFixed(3), 'ms');
t = performance.now();
for (let i = 0; i < 200; i++) tf.tidy(() => tf.add(a, 1).dataSync());
console.log('add', ((performance.now() - t) / 200).toFixed(3), 'ms');
const b = tf.randomNormal([15625, 30]); const w2 = tf.randomNormal([30, 64]);
t = performance.now();
for (let i = 0; i < 5; i++) tf.tidy(() => tf.matMul(b, w2).dataSync());
console.log('matmul 15625x30x64', ((performance.now() - t) / 5).toFixed(3), 'ms');
const c = new Float32Array(15625*30), d = new Float32Array(30*64), out = new Float32Array(15625*64);
t = performance.now();
for (let r = 0; r < 5; r++) for (let i = 0; i < 15625; i++) for (let k = 0; k < 30; k++) { const v = c[i*30+k]; for (let j = 0; j < 64; j++) out[i*64+j] += v * d[k*64+j]; }
console.log('plain js same', ((performance.now() - t) / 5).toFixed(3), 'ms');
