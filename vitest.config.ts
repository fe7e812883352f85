import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // End-to-end tests share one docker engine and registry: they run one file at a time.
    testTimeout: 20 * 60_000,
    hookTimeout: 10 * 60_000,
    reporters: ['default'],
    // Removes the temp dirs and local image tags a test file made (test/support/cleanup.ts).
    setupFiles: ['test/support/cleanup.ts'],
  },
});
