import { defineConfig } from 'vitest/config';

/**
 * Files that measure nothing (no load, no services, no timing): they run first, in parallel.
 * Everything else loads real services and measures timing on a 2-core machine, so those files run
 * afterwards one at a time, never stealing each other's CPU and skewing latency figures.
 */
const PURE = [
  'packages/*/src/**/*.test.ts',
  'test/cli-ci-docs.test.ts',
  'test/cli-scenarios.test.ts',
  'test/cli-validate.test.ts',
  'test/render-k8s.test.ts',
  'test/report-command.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: { name: 'pure', include: PURE, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: {
          name: 'measured',
          include: ['test/**/*.test.ts'],
          exclude: PURE,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
