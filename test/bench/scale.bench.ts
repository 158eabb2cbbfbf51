/**
 * Topic 4, scale: decisions as a token's grants grow, authentication as the
 * store grows (without and with last-used writes), and memory per stored
 * token (in a child process with `--expose-gc`, see `memory-probe.ts`).
 * Draws the first two charts of docs/performance.md.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import {
  bitmask,
  casl,
  caslCompactRules,
  caslNaiveRules,
  checkSlicing,
  ours,
  setRegExp,
  verifySameDecisions,
} from './authz-contenders.js';
import { printTopic } from './harness.js';
import { makePolicy, makeRotation } from './policy-fixture.js';
import {
  interleave,
  printInterleaved,
  printTargets,
  ratioTarget,
  reported,
  roundsSink,
  type Interleaved,
  type TargetLine,
} from './rounds.js';
import { QUICK_NOTE, SETTINGS } from './settings.js';
import { lineChart, writeChart, type ChartSeries } from './svg-chart.js';
import {
  floorLoop,
  recompiledAfterWrite,
  serviceLoop,
  tokenStock,
  verifyAndWarm,
  writingServiceLoop,
  WRITE_STEP_MS,
} from './token-fixture.js';

const here = dirname(fileURLToPath(import.meta.url));
const count = (n: number): string => n.toLocaleString('en-US');
/** Tokens whose compiled grants are compared before and after one last-used write. */
const RECOMPILE_SAMPLE = 1_000;

printTopic(
  'Scale',
  `Authorization with ${SETTINGS.grantSizes.join(', ')} repository grants (the authorization topic's policy ` +
    `shape and rotation; names sliced afresh from scope texts). ` +
    `Authentication with ${SETTINGS.storeSizes.map(count).join(', ')} stored tokens created through ` +
    `service.create, logins in a fixed random order.${QUICK_NOTE}`,
);

// Authorization by number of grants: the chart's series are the contenders.
const authzSeries = new Map<string, ChartSeries['points'][number][]>();
const authzTargets: TargetLine[] = [];
for (const size of SETTINGS.grantSizes) {
  const policy = makePolicy(size);
  const queries = makeRotation(policy);
  const contenders = [
    ours(policy, queries, 'ours'),
    setRegExp(policy, queries),
    bitmask(policy, queries),
    casl('CASL compact', caslCompactRules(policy), queries),
    casl('CASL naive', caslNaiveRules(policy), queries),
  ];
  verifySameDecisions(contenders, queries);
  checkSlicing(queries);
  const result = await interleave(
    contenders.map((c) => ({ name: c.name, loop: c.slicedLoop as (k: number) => number })),
  );
  printInterleaved(
    `Authorization, ${size} grant${size === 1 ? '' : 's'} (+ public), names sliced from scope texts`,
    result,
    [3, 4, 1],
  );
  const labels = ['ours', 'Set + RegExp', 'Map bitmask', 'CASL compact', 'CASL naive'];
  labels.forEach((label, c) => {
    const own = result.ns[c] as number[];
    const points = authzSeries.get(label) ?? [];
    points.push({ x: size, y: result.median(c), lo: Math.min(...own), hi: Math.max(...own) });
    authzSeries.set(label, points);
  });
  const best = result.median(3) <= result.median(4) ? 3 : 4;
  authzTargets.push(
    reported(
      `authorize vs CASL's best form (${best === 3 ? 'compact' : 'naive'}), ${size} grants, sliced names`,
      result.ratio(0, best),
    ),
  );
}
writeChart(
  'authorize-by-grants.svg',
  lineChart({
    title: 'authorize: ns per decision by number of grants',
    subtitle: 'names sliced from scope texts; mixed rotation of hits and misses; log scales',
    xLabel: 'repository grants on the token',
    yLabel: 'ns per decision',
    xLog: true,
    yLog: true,
    series: [...authzSeries].map(([name, points], i) => ({ name, points, dashed: i > 0 })),
  }),
);

// Authentication by number of stored tokens, one growing stock of tokens.
const stock = tokenStock(Math.max(...SETTINGS.storeSizes));
const authTargets: TargetLine[] = [];
const authSeries: Record<'service' | 'writes' | 'floor', ChartSeries['points'][number][]> = {
  service: [],
  writes: [],
  floor: [],
};
const us = (result: Interleaved, c: number): ChartSeries['points'][number] => {
  const own = result.ns[c] as number[];
  return { x: 0, y: result.median(c) / 1000, lo: Math.min(...own) / 1000, hi: Math.max(...own) / 1000 };
};
let previous = 0;
for (const size of SETTINGS.storeSizes) {
  const fixture = await stock.grow(size);
  const added = fixture.tokens.length - previous;
  previous = fixture.tokens.length;
  const warmStart = performance.now();
  await verifyAndWarm(fixture);
  const warmed = (performance.now() - warmStart) / 1000;

  const writesBefore = fixture.writes();
  const still = await interleave([
    { name: `service.authenticate, ${count(size)} stored, clock standing still`, loop: serviceLoop(fixture) },
    { name: `floor, ${count(size)} stored`, loop: floorLoop(fixture) },
  ]);
  const stillWrites = fixture.writes() - writesBefore;
  printInterleaved(`Authentication with ${count(size)} stored tokens, no last-used write due`, still, [1]);

  const writing = writingServiceLoop(fixture);
  const writesBeforeRun = fixture.writes();
  const moving = await interleave([
    { name: `service.authenticate, ${count(size)} stored, a last-used write due on each login`, loop: writing.loop },
    { name: `floor, ${count(size)} stored`, loop: floorLoop(fixture) },
  ]);
  const written = fixture.writes() - writesBeforeRun;
  printInterleaved(
    `Authentication with ${count(size)} stored tokens, clock moving ${WRITE_STEP_MS / 1000} s per pass ` +
      `through the ${fixture.window === fixture.tokens.length ? 'tokens' : 'window'}`,
    moving,
    [1],
  );
  const check = await recompiledAfterWrite(fixture, RECOMPILE_SAMPLE);
  console.log(
    `\n${count(fixture.tokens.length)} tokens, ${count(added)} of them created for this size in ` +
      `${fixture.buildSeconds.toFixed(1)} s; ` +
      `the timed rows go round the first ${count(fixture.window)} of the shuffled order, ` +
      `warmed in ${warmed.toFixed(1)} s (each of them authenticated through the service and the floor, ` +
      `writing last-used, then once more through the service). ` +
      `Last-used writes while measured: ${count(stillWrites)} with the clock standing still; ` +
      `${count(written)} in ${count(writing.logins())} logins with it moving. ` +
      `Recompiled after one last-used write: ${check.recompiled} of ${check.sampled} tokens spread over the ` +
      `window (their first login after the write got a new compiled-grants object).`,
  );
  authTargets.push(
    {
      what: `tokens whose grants are compiled again after one last-used write, ${count(size)} stored`,
      goal: '0',
      median: `${check.recompiled} of ${check.sampled}`,
      range: 'one pass',
      met: check.recompiled === 0,
    },
    ratioTarget(`service.authenticate vs floor, ${count(size)} stored`, still.ratio(0, 1), 0.5),
    ratioTarget(
      `service.authenticate vs floor, ${count(size)} stored, last-used writes at the 60 s interval`,
      moving.ratio(0, 1),
      0.5,
    ),
    reported(
      `µs per login without writes, ${count(size)} stored`,
      {
        median: still.median(0) / 1000,
        min: Math.min(...(still.ns[0] as number[])) / 1000,
        max: Math.max(...(still.ns[0] as number[])) / 1000,
      },
      (n) => n.toFixed(2),
    ),
    reported(
      `µs per login with a write each, ${count(size)} stored`,
      {
        median: moving.median(0) / 1000,
        min: Math.min(...(moving.ns[0] as number[])) / 1000,
        max: Math.max(...(moving.ns[0] as number[])) / 1000,
      },
      (n) => n.toFixed(2),
    ),
  );
  authSeries.service.push({ ...us(still, 0), x: size });
  authSeries.writes.push({ ...us(moving, 0), x: size });
  authSeries.floor.push({ ...us(still, 1), x: size });
}
writeChart(
  'authenticate-by-stored-tokens.svg',
  lineChart({
    title: 'service.authenticate: µs per login by stored tokens',
    subtitle: 'memory store, tokens from service.create, random order; floor = checksum + SHA-256 + Map.get',
    xLabel: 'stored tokens (log scale)',
    yLabel: 'µs per login',
    xLog: true,
    yLog: false,
    series: [
      { name: 'no write due', points: authSeries.service },
      { name: 'a write each login', points: authSeries.writes },
      { name: 'floor', points: authSeries.floor, dashed: true },
    ],
  }),
);
printTargets('Scale targets', [...authTargets, ...authzTargets]);

// Memory per stored token, in a clean process that can force garbage collection.
const probe = spawnSync(
  process.execPath,
  ['--expose-gc', '--import', 'tsx', '--import', join(here, 'cpu-report.ts'), join(here, 'memory-probe.ts')],
  {
    cwd: resolve(here, '../..'),
    stdio: 'inherit',
    env: process.env,
  },
);
if (probe.status !== 0) throw new Error(`memory probe failed (exit ${probe.status ?? probe.signal})`);
console.log(`\n(sink ${roundsSink()}; measured in ${(performance.now() / 1000).toFixed(1)} s)`);
