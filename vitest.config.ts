// At the top level on purpose: vitest finds its config only by walking up from the working directory,
// so `npx vitest run test/<dir>` from the repository root would otherwise run without it.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/bench/**', 'node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
