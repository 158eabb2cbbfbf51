#!/usr/bin/env node
// Proves the pure core runs anywhere, and that the README's "Runtimes" section says which entries need Node.
//
// 1. Bundles every module of src/core (with errors.ts and redact.ts, which the core imports, and its
//    dependencies zod and date-fns) for esbuild's neutral platform: a `node:` import, or any Node built-in,
//    cannot be resolved there and fails the build. The main entry (src/index.ts) is bundled the same way.
// 2. Imports both bundles in a realm stripped of Node's globals (process, Buffer, require, ...) and runs a
//    smoke of each part of the core, and of the service over the memory store with a hasher of its own.
// 3. Runs the core's property tests (test/core) with every import of src/core resolved to the core bundle
//    (.ci/vitest.core-bundle.config.ts): the properties hold for the code that ships to other runtimes.
// 4. Checks that the built main entry (dist/index.js and index.cjs, with every chunk they load) imports no Node
//    built-in, so run this after `npm run build`.
// 5. Lists the `node:` modules each public entry imports and compares them with what README.md states.
//
// Usage: node .ci/core-bundle.mjs [--no-tests]
import { execFileSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, '.tmp', 'core-bundle');
mkdirSync(out, { recursive: true });
const fail = (message) => {
  console.error(`core-bundle: ${message}`);
  process.exit(1);
};

// The `node:` modules each entry may import, as README.md's "Runtimes" section states them. Change both together.
const EXPECTED_NODE_IMPORTS = {
  'src/index.ts': [],
  'src/hub-api/index.ts': [],
  'src/registry/index.ts': ['node:crypto'],
  'src/http/index.ts': ['node:http', 'node:net'],
  'src/secret-scanning/index.ts': [],
};

// 1. The core, for the neutral platform, with nothing external.
const coreModules = [
  'src/errors.ts',
  'src/redact.ts',
  ...readdirSync(join(root, 'src/core'))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => `src/core/${f}`),
];
const coreFile = join(out, 'core.js');
try {
  await build({
    stdin: {
      contents: coreModules.map((m) => `export * from './${m}';`).join('\n'),
      resolveDir: root,
      sourcefile: 'core-entry.ts',
      loader: 'ts',
    },
    bundle: true,
    platform: 'neutral',
    format: 'esm',
    target: 'es2022',
    mainFields: ['module', 'main'],
    outfile: coreFile,
    logLevel: 'silent',
  });
} catch (error) {
  const errors = (error.errors ?? []).map(
    (e) => `  ${e.location ? `${e.location.file}:${e.location.line}: ` : ''}${e.text}`,
  );
  fail(
    `the core does not bundle for a neutral platform (a node: import or a Node ` +
      `built-in?):\n${errors.join('\n') || error.message}`,
  );
}
// A marker the test run checks, so a resolver that quietly stops redirecting cannot pass against the sources.
writeFileSync(coreFile, `${readFileSync(coreFile, 'utf8')}export const CORE_BUNDLE_MARKER = true;\n`);
const bundled = readFileSync(coreFile, 'utf8');
if (/\bfrom\s*["']node:|\bimport\(\s*["']node:|\brequire\(/.test(bundled))
  fail('the core bundle still loads a node: module or calls require');
console.log(
  `core-bundle: ${relative(root, coreFile)} (${coreModules.length} modules, ` +
    `${Math.round(bundled.length / 1024)} KiB) has no node: import`,
);

// The whole main entry, the service and memory store included, the same way.
const mainFile = join(out, 'main.js');
try {
  await build({
    entryPoints: [join(root, 'src/index.ts')],
    bundle: true,
    platform: 'neutral',
    format: 'esm',
    target: 'es2022',
    mainFields: ['module', 'main'],
    outfile: mainFile,
    logLevel: 'silent',
  });
} catch (error) {
  fail(
    `the main entry does not bundle for a neutral platform:\n${
      (error.errors ?? [])
        .map((e) => `  ${e.location ? `${e.location.file}:${e.location.line}: ` : ''}${e.text}`)
        .join('\n') || error.message
    }`,
  );
}

// 2. The bundle in a realm without Node's globals.
const smoke = `
for (const name of ['process', 'Buffer', 'global', 'require', 'setImmediate', 'clearImmediate']) {
  delete globalThis[name];
}
const core = await import(${JSON.stringify(pathToFileURL(coreFile).href)});
const random = (bytes) => crypto.getRandomValues(bytes);
const policy = core.createPolicy({ tokenPrefix: 'dckr_oat_' });
const token = policy.format.generate(random);
if (!policy.format.check(token).ok) throw new Error('format');
const parsed = core.safeParseCreateInput(
  { label: 'ci', expiry: '30d', resources: [{ type: 'TYPE_REPO', path: 'acme/*', scopes: ['scope-image-push'] }] },
  { organization: 'acme', now: 0, policy },
);
if (!parsed.ok) throw new Error('schemas');
const grants = core.compileGrants('acme', parsed.value.resources, policy);
if (!core.authorize(grants, { repository: 'acme/app' }, 'push').allowed) throw new Error('grants');
const record = {
  organizationId: 'org-1',
  organization: 'acme',
  state: 'active',
  expiresAt: parsed.value.expiresAt,
  createdAt: 0,
  allowedNetworks: [],
};
const holder = { id: 'org-1', name: 'acme', plan: 'team', owners: [] };
const login = core.decideLogin(record, 'acme', holder, undefined, null, 1, { ...policy, lastUsedIntervalMs: 60000 });
if (!login.allowed || login.touch === null) throw new Error('login');
const error = new core.OatError('MISCONFIGURED', 'leaked ' + token);
if (JSON.stringify(error).includes(token)) throw new Error('redaction');
if (typeof process !== 'undefined' || typeof Buffer !== 'undefined') throw new Error('globals still there');
const main = await import(${JSON.stringify(pathToFileURL(mainFile).href)});
// Not a cryptographic hash: the smoke only needs a synchronous one that is no node:crypto.
const hasher = { algorithm: 'smoke', hash: (secret) => [...secret].reverse().join('') };
const service = main.createTokenService({
  store: main.createMemoryTokenStore(),
  organizations: [{ name: 'acme', plan: 'team', owners: ['alice'] }],
  hasher,
});
const created = await service.create({ username: 'alice' }, 'acme', {
  label: 'ci',
  resources: [{ type: 'repository', path: 'acme/app', scopes: ['scope-image-push'] }],
});
const authenticated = await service.authenticate('acme', created.secret.reveal());
const pushes = authenticated.ok && service.authorize(authenticated.principal, { repository: 'acme/app' }, 'push');
if (!pushes?.allowed) throw new Error('service');
await service.flush();
if (JSON.stringify(created).includes(created.secret.reveal())) throw new Error('secret');
console.log('core-bundle: the core, and the service over the memory store, run without process, Buffer or require');
`;
try {
  execFileSync(process.execPath, ['--input-type=module', '-e', smoke], { stdio: 'inherit' });
} catch {
  fail('the bundle failed in a realm without Node globals');
}

// 3. The core's property tests against the bundle.
if (!process.argv.includes('--no-tests')) {
  try {
    execFileSync(
      process.execPath,
      [join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--config', '.ci/vitest.core-bundle.config.ts'],
      {
        cwd: root,
        stdio: 'inherit',
        env: { ...process.env, OAT_CORE_BUNDLE: coreFile },
      },
    );
  } catch {
    fail('the core property tests fail against the bundle');
  }
}

// 4. The built main entry, as npm ships it: no Node built-in in either format, whatever chunk it loads.
for (const file of ['index.js', 'index.cjs']) {
  const built = join(root, 'dist', file);
  if (!existsSync(built)) fail(`dist/${file} is missing: run \`npm run build\` first`);
  const result = await build({
    entryPoints: [built],
    bundle: true,
    platform: 'neutral',
    format: 'esm',
    mainFields: ['module', 'main'],
    // tsup writes node:crypto as plain `crypto`: both spellings are Node's.
    external: ['node:*', ...builtinModules],
    write: false,
    metafile: true,
    logLevel: 'silent',
    outdir: join(out, 'dist-check'),
  });
  const leaked = Object.values(result.metafile.inputs).flatMap((input) =>
    input.imports.filter((i) => i.external).map((i) => i.path),
  );
  if (leaked.length > 0)
    fail(
      `dist/${file} loads ${[...new Set(leaked)].join(', ')}, README.md says the main entry imports nothing from Node`,
    );
}
console.log('core-bundle: dist/index.js and dist/index.cjs load no Node built-in');

// 5. What each public entry imports from Node, for the README's claims.
const found = {};
for (const entry of Object.keys(EXPECTED_NODE_IMPORTS)) {
  const result = await build({
    entryPoints: [join(root, entry)],
    bundle: true,
    platform: 'neutral',
    format: 'esm',
    mainFields: ['module', 'main'],
    external: ['node:*', 'better-sqlite3', 'pg'],
    write: false,
    metafile: true,
    logLevel: 'silent',
    outdir: join(out, 'entries'),
  });
  const imports = new Set();
  for (const input of Object.values(result.metafile.inputs))
    for (const i of input.imports) if (i.external && i.path.startsWith('node:')) imports.add(i.path);
  found[entry] = [...imports].sort();
}
writeFileSync(join(out, 'node-imports.json'), `${JSON.stringify(found, null, 2)}\n`);
for (const [entry, expected] of Object.entries(EXPECTED_NODE_IMPORTS)) {
  if (JSON.stringify(found[entry]) !== JSON.stringify(expected)) {
    fail(
      `${entry} imports ${JSON.stringify(found[entry])} from Node, README.md ("Runtimes") says ` +
        `${JSON.stringify(expected)}: update both`,
    );
  }
  console.log(`core-bundle: ${entry} imports ${found[entry].join(', ') || 'nothing'} from Node, as README.md says`);
}
