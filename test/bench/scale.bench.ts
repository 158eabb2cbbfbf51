/**
 * Topic 4, scale: decisions as a token's grants grow (1, 10, 50, 250),
 * authentication as the store grows (1 thousand, 100 thousand, 1 million
 * tokens), and memory per stored token (in a child process with
 * `--expose-gc`, see `memory-probe.ts`).
 */
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { bitmask, casl, caslCompactRules, caslNaiveRules, ours, setRegExp, verifySameDecisions } from './authz-contenders.js';
import { formatNs, measure, measureAsync, printGrid, printTable, printTopic, sinkValue, speedup, target, type Measured } from './harness.js';
import { makePolicy, makeRotation } from './policy-fixture.js';
import { authLoops, buildTokenFixture, verifyAndWarm } from './token-fixture.js';

const GRANT_SIZES = [1, 10, 50, 250];
const STORE_SIZES = [1_000, 100_000, 1_000_000];
const here = dirname(fileURLToPath(import.meta.url));

printTopic(
  'Scale',
  `Authorization with ${GRANT_SIZES.join(', ')} repository grants (the same policy shape and rotation as the authorization topic; ` +
    `grants are compiled under a policy whose maxRepositoryGrants fits, so 250 compiles; a grant list holds at most 256 entries, as in a create request). Authentication with ${STORE_SIZES.map((n) => n.toLocaleString('en-US')).join(', ')} stored tokens.`,
);

// Authorization by number of grants.
const names = ['ours', 'Set+RegExp', 'Map bitmask', 'CASL compact', 'CASL naive'];
const bySize = new Map<number, Measured[]>();
for (const size of GRANT_SIZES) {
  const policy = makePolicy(size);
  const queries = makeRotation(policy);
  const contenders = [
    ours(policy, queries),
    setRegExp(policy, queries),
    bitmask(policy, queries),
    casl(`@casl/ability compact (${caslCompactRules(policy).length} rules)`, caslCompactRules(policy), queries),
    casl(`@casl/ability naive (${caslNaiveRules(policy).length} rules)`, caslNaiveRules(policy), queries),
  ];
  verifySameDecisions(contenders, queries);
  const rows: Measured[] = [];
  for (const c of contenders) rows.push(await measure(c.name, c.loop, { timeMs: 500, minSamples: 10 }));
  bySize.set(size, rows);
  printTable(`Authorization, ${size} grant${size === 1 ? '' : 's'} (+ public), mixed rotation, all contenders verified`, rows, [
    { label: 'CASL compact', result: rows[3] as Measured },
    { label: 'Set+RegExp', result: rows[1] as Measured },
    { label: 'Map bitmask', result: rows[2] as Measured },
  ]);
}
printGrid(
  'ns per decision by number of grants (medians from the tables above)',
  ['contender', ...GRANT_SIZES.map((s) => `${s} grant${s === 1 ? '' : 's'}`)],
  names.map((name, i) => [name, ...GRANT_SIZES.map((s) => formatNs((bySize.get(s)?.[i] as Measured).median))]),
);

// Authentication by number of stored tokens.
const targets: ReadonlyArray<string>[] = [];
for (const size of STORE_SIZES) {
  const fixture = await buildTokenFixture(size);
  const warmStart = performance.now();
  await verifyAndWarm(fixture);
  const loops = authLoops(fixture);
  const rows = [
    await measureAsync(`service.authenticate, ${size.toLocaleString('en-US')} stored`, loops.service),
    await measure(`floor, ${size.toLocaleString('en-US')} stored`, loops.floor),
  ];
  printTable(`Authentication with ${size.toLocaleString('en-US')} stored tokens, random order`, rows, [{ label: 'floor', result: rows[1] as Measured }]);
  console.log(
    `\nBuilt in ${fixture.buildSeconds.toFixed(1)} s, verified and warmed (every token authenticated once both ways) in ${((performance.now() - warmStart) / 1000).toFixed(1)} s.`,
  );
  const ratio = speedup(rows[0] as Measured, rows[1] as Measured);
  targets.push(target(`service vs floor, ${size.toLocaleString('en-US')} stored`, ratio, '>= 0.50x (within 2x)', ratio >= 0.5));
}
printGrid('Scale targets (authentication)', ['target', 'measured', 'goal', 'status'], targets);

// Memory per stored token, in a clean process that can force garbage collection.
const probe = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(here, 'memory-probe.ts')], {
  cwd: resolve(here, '../..'),
  stdio: 'inherit',
});
if (probe.status !== 0) throw new Error(`memory probe failed (exit ${probe.status ?? probe.signal})`);
console.log(`\n(sink ${sinkValue()}; measured in ${(performance.now() / 1000).toFixed(1)} s)`);
