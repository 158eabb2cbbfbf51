// The core's property tests, run against the neutral-platform bundle of src/core that .ci/core-bundle.mjs builds:
// every import that resolves to src/core/*, src/errors.ts or src/redact.ts (from a test, src/index.ts, the service or
// the testing kit) gets the bundle instead, so one copy of the core, the shipped one, answers every call.
import { resolve } from 'node:path';
import { defineConfig, type Plugin } from 'vitest/config';

const bundle = process.env['OAT_CORE_BUNDLE'];
if (bundle === undefined)
  throw new Error('run through .ci/core-bundle.mjs, which builds the bundle and sets OAT_CORE_BUNDLE');
const root = resolve(import.meta.dirname, '..');
const CORE = /[\\/]src[\\/](?:core[\\/][^\\/]+|errors|redact)\.ts$/;

const coreFromBundle: Plugin = {
  name: 'core-from-bundle',
  enforce: 'pre',
  async resolveId(source, importer, options) {
    if (importer === undefined || importer === bundle) return null;
    const resolved = await this.resolve(source, importer, { ...options, skipSelf: true });
    return resolved !== null && CORE.test(resolved.id) ? bundle : null;
  },
};

export default defineConfig({
  root,
  plugins: [coreFromBundle],
  test: {
    include: ['test/core/**/*.test.ts'],
    setupFiles: ['.ci/core-bundle.setup.ts'],
    testTimeout: 60_000,
  },
});
