import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // One module graph per worker: every test file imports TensorFlow.js, and importing it again
    // for each file costs CPU seconds (measured: 1 to 13 s per package). Each file sets its own backend.
    isolate: false,
  },
});
