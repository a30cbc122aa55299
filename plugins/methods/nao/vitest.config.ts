import { defineConfig } from 'vitest/config';

// tfjs's pure-JS cpu backend is slow on a shared 2-core machine: training tests take seconds.
export default defineConfig({ test: { testTimeout: 120_000, hookTimeout: 60_000 } });
