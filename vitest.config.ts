import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Load and Docker tests measure timing on a 2-core machine: run files one at a time so
    // they do not steal each other's CPU and skew latency figures.
    fileParallelism: false,
  },
});
