import { defineConfig } from 'vitest/config';

// Three projects: `unit` needs no server; `integration` and `e2e` run against the real local
// services, which the global setup starts when they are not already running (and stops after).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          // Unit tests assert behaviour, not speed (bench/ measures speed): vitest's 5 s default
          // failed whole-tree walks (function lengths) and the 256 MiB gzip bomb on a loaded 2-core box.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/support/services-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 600_000,
          // The suites share one set of servers; running files one after another keeps
          // the 2-core machine from timing out under five JVMs plus the tests.
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/support/services-setup.ts'],
          testTimeout: 600_000,
          hookTimeout: 900_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
