import { defineConfig } from 'vitest/config';

// Decoding and augmenting 224-px images on a shared 2-core machine takes seconds.
export default defineConfig({ test: { testTimeout: 60_000, hookTimeout: 60_000 } });
