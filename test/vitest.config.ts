import { defineConfig } from 'vitest/config';

// End-to-end tests spawn the built CLI; give them room on a 2-core machine.
export default defineConfig({
  test: {
    testTimeout: 180_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
