import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The pure-JS cpu reference kernels are slow (Conv2DBackpropFilter: seconds).
    testTimeout: 120_000,
  },
});
