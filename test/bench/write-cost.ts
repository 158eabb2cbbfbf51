// What a last-used write adds to a login, in CPU time (docs/performance.md, "The same with a last-used write on
// every login"). Not a topic of the runner: run it by hand, under a profiler when the split matters:
//   node --import tsx test/bench/write-cost.ts          (both modes, one after the other)
//   node --cpu-prof --import tsx test/bench/write-cost.ts writes
import { createMemoryTokenStore, createTokenService } from '../../src/index.js';

const LOGINS = 400_000;
const TOKENS = 1_000;

async function measure(writes: boolean): Promise<number> {
  let now = Date.UTC(2026, 0, 1);
  const organizations = Array.from({ length: 10 }, (_, i) => ({
    name: `org${i}`,
    plan: 'business',
    owners: ['alice'],
  }));
  const service = createTokenService({ store: createMemoryTokenStore(), organizations, clock: { now: () => now } });
  const tokens: Array<readonly [string, string]> = [];
  for (let i = 0; i < TOKENS; i++) {
    const org = `org${i % 10}`;
    const created = await service.create({ username: 'alice' }, org, {
      label: `t${i}`,
      resources: [
        { type: 'repository', path: `${org}/app-${i}`, scopes: ['pull', 'push'] },
        { type: 'repository', path: `${org}/*`, scopes: ['pull'] },
      ],
    });
    tokens.push([org, created.secret.reveal()]);
  }
  const start = process.cpuUsage();
  for (let i = 0; i < LOGINS; i++) {
    const [org, secret] = tokens[i % TOKENS] as readonly [string, string];
    // 61 s per login: every login is its token's first in more than the 60 s interval, so each writes.
    if (writes) now += 61_000;
    const result = await service.authenticate(org, secret);
    if (!result.ok) throw new Error(`login refused: ${result.code}`);
    if (writes && i % TOKENS === TOKENS - 1) await service.flush();
  }
  await service.flush();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / LOGINS;
}

const modes = process.argv[2] === 'writes' ? [true] : process.argv[2] === 'none' ? [false] : [false, true];
for (const writes of modes) {
  const micros = await measure(writes);
  console.log(`${writes ? 'a write due on each login' : 'no write due'}: ${micros.toFixed(2)} µs of CPU per login`);
}
