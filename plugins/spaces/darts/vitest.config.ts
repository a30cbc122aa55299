import { defineConfig } from 'vitest/config';

// tfjs's pure-JS cpu backend is slow on a shared 2-core machine: training tests take seconds.
export default defineConfig({
  test: {
    testTimeout: 120_000,
    hookTimeout: 60_000,
    // One module graph per worker: every test file imports TensorFlow.js, and importing it again
    // for each file costs CPU seconds (measured: 1 to 13 s per package). Each file sets its own backend.
    isolate: false,
  },
});
