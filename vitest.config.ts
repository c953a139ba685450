import { defineConfig } from 'vitest/config';

/**
 * Files whose assertions do not depend on timing, rates or CPU figures: unit tests, the scenario
 * fuzzer, the CLI's refusals and report rendering (a browser included). They run first, two at a
 * time (vitest's default on 2 cores would be one: cores − 1).
 */
const UNMEASURED = [
  'packages/*/src/**/*.test.ts',
  'test/cli-ci-docs.test.ts',
  'test/cli-init.test.ts',
  'test/cli-scenarios.test.ts',
  'test/cli-validate.test.ts',
  'test/cli-run-request.test.ts',
  'test/render-k8s.test.ts',
  'test/ship-package.test.ts',
  'test/report-command.test.ts',
  'test/report-rejudge.test.ts',
  'test/report-browser.test.ts',
  'test/readme-example.test.ts',
  'test/replay-cli.test.ts',
  'test/replay-env.test.ts',
  'test/replay-report.test.ts',
  'test/replay-browser-har.test.ts',
  'test/terminal-width.test.ts',
  'test/cli-crash-reason.test.ts',
  'test/loadgen-wire-guard.test.ts',
  'test/loadgen-crn.test.ts',
  'test/compare-seed.test.ts',
  'test/faults/scenario-fuzz.test.ts',
  'test/faults/hostile-files.test.ts',
  'test/faults/hostile-scenario.test.ts',
  'test/faults/output-and-usage.test.ts',
  'test/faults/hostile-text.test.ts',
  'test/faults/hostile-out.test.ts',
  'test/faults/inherit-env.test.ts',
  'test/faults/hostile-env.test.ts',
  'test/faults/https-target.test.ts',
  'test/faults/targets-netns.test.ts',
  'test/grafana-dashboard.test.ts',
  'test/serve-shutdown.test.ts',
  'test/layering.test.ts',
  'test/docs-file-names.test.ts',
];

/**
 * Everything else loads real services and asserts on what it measured (verdicts, achieved rates,
 * CPU per request, time bounds) on a 2-core machine, or checks that no labelled container is left
 * anywhere: those files run afterwards one at a time, so none steals another's CPU or sees
 * another's containers.
 */
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 120_000,
    projects: [
      {
        extends: true,
        test: { name: 'unmeasured', include: UNMEASURED, maxWorkers: 2, sequence: { groupOrder: 0 } },
      },
      {
        extends: true,
        test: {
          name: 'measured',
          include: ['test/**/*.test.ts'],
          exclude: UNMEASURED,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
