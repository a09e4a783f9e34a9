import { defineConfig } from 'vitest/config';

/**
 * One run for everything: unit specs next to the code (src/**), e2e specs that
 * boot the real apps (test/e2e), and system specs against real etcd,
 * Prometheus and Chromium (test/system). `npm run test:unit` etc. narrow it.
 */
export default defineConfig({
  resolve: { tsconfigPaths: true },
  test: {
    globals: true,
    root: './',
    include: [
      'src/**/*.spec.ts',
      'test/**/*.e2e-spec.ts',
      'test/**/*.system-spec.ts',
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    setupFiles: ['test/support/setup.ts'],
    // `npm run test:cov`. By pattern, not by file: every source file counts,
    // also one no test loads. Code that only runs in a child process (main.ts,
    // demo.ts) or in a worker thread is not seen: the cycle worker's task
    // function is therefore also called in-process by its own spec.
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      exclude: ['src/**/*.spec.ts'],
      reporter: ['text', 'json-summary', 'html'],
      reportsDirectory: 'coverage',
      reportOnFailure: true,
    },
  },
});
