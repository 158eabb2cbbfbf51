/**
 * Memory per stored token in the in-memory store, at 100 thousand tokens
 * created through `service.create` (so records, ids and resources are what a
 * real deployment holds), right after creation and once each token has logged
 * in (last-used written, principal compiled and cached). Runs in its own
 * process with `--expose-gc`, started by `scale.bench.ts`: heap used after
 * full collections, before and after.
 */
import { performance } from 'node:perf_hooks';
import { createMemoryTokenStore, createPolicy, createTokenService } from '../../src/index.js';
import { loginAccepted, loginCode } from './api.js';
import { printTargets } from './rounds.js';
import { SETTINGS } from './settings.js';

const COUNT = SETTINGS.memoryTokens;
const PER_ORG = 100;
const TARGET_BYTES = 1024;

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

async function heapAfterGc(): Promise<number> {
  // Several passes and a turn of the event loop, so weak references and finalizers settle.
  for (let i = 0; i < 4; i++) {
    (gc as (options: { type: 'major'; execution: 'sync' }) => void)({ type: 'major', execution: 'sync' });
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

// V8 frees a local that is not read after an `await`, even while it is still in scope. Everything
// measured hangs off this object, so nothing is collected before the measurement says so.
const live: { service?: unknown; store?: unknown } = {};
(globalThis as { memoryProbeLive?: unknown }).memoryProbeLive = live;

const started = performance.now();
const orgs = Array.from({ length: COUNT / PER_ORG }, (_, o) => `org-${o}`);
const policy = createPolicy();
const store = createMemoryTokenStore();
const service = createTokenService({
  store,
  organizations: orgs.map((name) => ({ name, plan: 'business', owners: ['owner'] })),
  policy,
});
const owner = { username: 'owner' };
// The plaintexts wait for the login pass off the V8 heap (a Buffer's bytes are not in heapUsed), so they are not
// counted.
const width = policy.format.length;
const plaintexts = Buffer.alloc(COUNT * width);
Object.assign(live, { service, store });

const m0 = await heapAfterGc();
let n = 0;
for (const org of orgs) {
  for (let i = 0; i < PER_ORG; i++) {
    // The request body as a server receives it: parsed from JSON, so its strings are flat and its own.
    const body = JSON.stringify({
      label: `ci token ${i}`,
      resources: [
        { type: 'repository', path: `${org}/app-${i}`, scopes: ['scope-image-pull', 'scope-image-push'] },
        { type: 'repository', path: `${org}/web`, scopes: ['scope-image-pull'] },
        { type: 'repository', path: `${org}/*`, scopes: ['scope-image-pull'] },
        { type: 'repository', path: '*/*/public', scopes: ['scope-image-pull'] },
        { type: 'organization', path: org, scopes: ['scope-member-read'] },
      ],
    });
    const { secret } = await service.create(owner, org, JSON.parse(body));
    plaintexts.write(secret.reveal(), n++ * width, 'latin1');
  }
}
const m1 = await heapAfterGc();
for (let i = 0; i < COUNT; i++) {
  const result = await service.authenticate(
    orgs[Math.floor(i / PER_ORG)],
    plaintexts.toString('latin1', i * width, (i + 1) * width),
  );
  if (!loginAccepted(result)) throw new Error(`token ${i} does not authenticate: ${loginCode(result)}`);
}
await service.flush();
const m2 = await heapAfterGc();
if (live.store !== store || live.service !== service || store.size !== COUNT || n !== COUNT)
  throw new Error(`store holds ${store.size} tokens, expected ${COUNT}`);

const created = (m1 - m0) / COUNT;
const afterLogin = (m2 - m0) / COUNT;
const bytes = (b: number): string => `${Math.round(b).toLocaleString('en-US')} B`;
const line = (what: string, b: number) => ({
  what,
  goal: `<= ${TARGET_BYTES} B`,
  median: bytes(b),
  range: 'one measurement',
  met: b <= TARGET_BYTES,
});
printTargets(
  `Memory per stored token, ${COUNT.toLocaleString('en-US')} tokens created through service.create (5 ` +
    `resources each, request bodies parsed from JSON)`,
  [
    line('heap per stored token, right after creation', created),
    line('heap per stored token, after one login each (last-used written, principal compiled and cached)', afterLogin),
  ],
);
console.log(
  `\nheapUsed after gc: before ${(m0 / 2 ** 20).toFixed(1)} MiB, created ${(m1 / 2 ** 20).toFixed(1)} MiB, ` +
    `after logins ${(m2 / 2 ** 20).toFixed(1)} MiB; ${((performance.now() - started) / 1000).toFixed(1)} s.`,
);
