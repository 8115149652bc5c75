import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/bundle-once.ts'],
    // The business-metric tests read EMF on stdout: Powertools emits none when POWERTOOLS_DEV is set
    // (a developer's shell, or a process that ran a local cloud, such as the bench), so pin it.
    env: { POWERTOOLS_DEV: 'false', POWERTOOLS_METRICS_DISABLED: 'false' },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Integration files each start a local cloud; two cores, so at most two files at once.
    maxWorkers: 2,
  },
});
