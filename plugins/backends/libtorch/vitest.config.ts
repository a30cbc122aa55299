import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // The pure-JS cpu reference kernels are slow (Conv2DBackpropFilter: seconds).
    testTimeout: 120_000,
  },
});
