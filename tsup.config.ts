import { defineConfig, type Options } from 'tsup';

const dual = {
  index: 'src/index.ts',
  'hub-api': 'src/hub-api/index.ts',
  registry: 'src/registry/index.ts',
  sqlite: 'src/sqlite/index.ts',
  postgres: 'src/postgres/index.ts',
  node: 'src/http/index.ts',
  'secret-scanning': 'src/secret-scanning/index.ts',
};

const shared: Options = {
  dts: true,
  sourcemap: true,
  target: 'node20',
  // Shared code lands in common chunks, so OatError and TokenSecret are one class across entries.
  splitting: true,
  treeshake: true,
  external: ['better-sqlite3', 'pg', 'fast-check', 'vitest'],
};

// `npm run build` empties dist first; the two formats build side by side.
export default defineConfig([
  // ESM for every entry, including the testing kit, which is ESM only: it imports vitest, which cannot be required.
  { ...shared, entry: { ...dual, testing: 'src/testing/index.ts' }, format: ['esm'] },
  { ...shared, entry: dual, format: ['cjs'] },
]);
