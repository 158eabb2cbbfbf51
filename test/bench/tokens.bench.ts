/**
 * Topic 2, token handling: generating tokens, rejecting malformed ones
 * offline, and authenticating through the service with 100 thousand stored
 * tokens, against the floor measured in the same run.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { encodeChecksum, platformRandom, TOKEN_BODY_LENGTH } from '../../src/index.js';
import { measure, measureAsync, printGrid, printTable, printTopic, shuffled, sinkValue, speedup, target, type Measured } from './harness.js';
import { authLoops, BENCH_POLICY, buildTokenFixture, floorAuthenticate, verifyAndWarm } from './token-fixture.js';

const STORED = 100_000;
const format = BENCH_POLICY.format;

printTopic(
  'Token handling',
  `Format \`${format.prefix}\` + ${TOKEN_BODY_LENGTH} base62 + 6 base62 CRC32 (${format.length} characters). Authentication: ${STORED.toLocaleString('en-US')} stored tokens in the memory store, presented in a fixed random order.`,
);

// Malformed tokens: wrong length (short and long), wrong prefix, bad checksum, in equal shares.
const good = Array.from({ length: 64 }, () => format.generate(platformRandom));
const flip = (c: string): string => (c === 'A' ? 'B' : 'A');
const malformedKinds = {
  'too short': (t: string) => t.slice(0, -1),
  'too long': (t: string) => `${t}A`,
  'wrong prefix': (t: string) => `ghp_${t.slice(4)}`,
  'bad checksum': (t: string) => t.slice(0, -1) + flip(t.slice(-1)),
} as const;
const breakers = Object.values(malformedKinds);
const malformed = shuffled(
  good.map((t, i) => (breakers[i % breakers.length] as (t: string) => string)(t)),
  5,
);
const badChecksums = good.map(malformedKinds['bad checksum']);

// A hand-written peer for the same job: length, prefix, and Node's zlib.crc32 over prefix and body.
const checksumStart = format.length - 6;
const zlibCheck = (t: string): boolean =>
  t.length === format.length && t.startsWith(format.prefix) && encodeChecksum(zlibCrc32(t.slice(0, checksumStart))) === t.slice(checksumStart);
const SHAPE = new RegExp(`^${format.prefix}[0-9A-Za-z]{${format.length - format.prefix.length}}$`);

for (const t of good) if (!format.check(t).ok || !zlibCheck(t)) throw new Error('a generated token fails its own format');
for (const t of malformed) if (format.check(t).ok || zlibCheck(t)) throw new Error(`a malformed token passes: ${t.slice(0, 8)}…`);

const rotating = (items: ReadonlyArray<string>, check: (t: string) => boolean): ((k: number) => number) => {
  const last = items.length - 1;
  let i = 0;
  return (k) => {
    let n = 0;
    for (let j = 0; j < k; j++) {
      if (check(items[i] as string)) n++;
      i = i === last ? 0 : i + 1;
    }
    return n;
  };
};

const formatRows: Measured[] = [
  await measure('ours: createTokenFormat().generate()', (k) => {
    let n = 0;
    for (let j = 0; j < k; j++) n += format.generate(platformRandom).length;
    return n;
  }),
  await measure("peer: crypto.randomBytes(32).toString('base64url') (no checksum)", (k) => {
    let n = 0;
    for (let j = 0; j < k; j++) n += randomBytes(32).toString('base64url').length;
    return n;
  }),
  await measure('peer: crypto.randomUUID()', (k) => {
    let n = 0;
    for (let j = 0; j < k; j++) n += randomUUID().length;
    return n;
  }),
  await measure('ours: check() rejects malformed (mix of 4 kinds)', rotating(malformed, (t) => !format.check(t).ok)),
  await measure('ours: check() rejects bad checksums only (worst case)', rotating(badChecksums, (t) => !format.check(t).ok)),
  await measure('ours: check() accepts well-formed', rotating(good, (t) => format.check(t).ok)),
  await measure('peer: length + prefix + zlib.crc32 rejects the mix', rotating(malformed, (t) => !zlibCheck(t))),
  await measure('peer: shape RegExp only (cannot see a bad checksum)', rotating(malformed, (t) => !SHAPE.test(t))),
];
const [gOurs, gRandomBytes, gUuid, rejectMix] = formatRows as [Measured, Measured, Measured, Measured];
printTable('Generating and checking the format', formatRows, [
  { label: 'randomBytes', result: gRandomBytes },
  { label: 'randomUUID', result: gUuid },
  { label: 'zlib.crc32 check', result: formatRows[6] as Measured },
]);

// Authentication.
const fixture = await buildTokenFixture(STORED);
await verifyAndWarm(fixture);
console.log(`\nBuilt and verified ${STORED.toLocaleString('en-US')} stored tokens in ${fixture.buildSeconds.toFixed(1)} s; every one authenticates through the service and through the floor.`);
const all = authLoops(fixture);
const hot = authLoops(fixture, 64);
const org0 = fixture.orgs[0] as string;
const unknownValid = Array.from({ length: 64 }, () => format.generate(platformRandom));
for (const t of unknownValid) if (floorAuthenticate(fixture.index, org0, t)) throw new Error('an unknown token authenticates');
let u = 0;
let m = 0;
const authRows: Measured[] = [
  await measureAsync('service.authenticate, random stored token', all.service),
  await measure('floor: check + crypto.hash + Map.get + state/expiry', all.floor),
  await measureAsync('floor, awaited (adds one promise per call)', all.floorAwaited),
  await measureAsync('service.authenticate, hot set of 64 tokens', hot.service),
  await measure('floor, hot set of 64 tokens', hot.floor),
  await measureAsync('service.authenticate, malformed token', async (k) => {
    let n = 0;
    for (let j = 0; j < k; j++) {
      if (!(await fixture.service.authenticate(org0, malformed[m] as string)).ok) n++;
      m = (m + 1) & 63;
    }
    return n;
  }),
  await measureAsync('service.authenticate, unknown token with a valid checksum', async (k) => {
    let n = 0;
    for (let j = 0; j < k; j++) {
      if (!(await fixture.service.authenticate(org0, unknownValid[u] as string)).ok) n++;
      u = (u + 1) & 63;
    }
    return n;
  }),
];
const [aService, aFloor, aFloorAwaited, aHotService, aHotFloor] = authRows as [Measured, Measured, Measured, Measured, Measured];
printTable(`Authentication with ${STORED.toLocaleString('en-US')} stored tokens`, authRows, [
  { label: 'floor', result: aFloor },
  { label: 'floor awaited', result: aFloorAwaited },
  { label: 'floor hot', result: aHotFloor },
]);

printGrid(
  'Token targets',
  ['target', 'measured', 'goal', 'status'],
  [
    [
      'reject a malformed token (mix), rate',
      `${((1e9 / rejectMix.median) / 1e6).toFixed(2)} M/s`,
      '>= 5 M/s',
      1e9 / rejectMix.median >= 5e6 ? 'met' : 'NOT MET',
    ],
    target('service.authenticate vs floor, random tokens', speedup(aService, aFloor), '>= 0.50x (within 2x)', speedup(aService, aFloor) >= 0.5),
    target('service.authenticate vs floor, hot set', speedup(aHotService, aHotFloor), 'no target'),
    target('generate vs randomBytes(32) + base64url', speedup(gOurs, gRandomBytes), 'no target'),
  ],
);
console.log(`\n(sink ${sinkValue()}; measured in ${(performance.now() / 1000).toFixed(1)} s)`);
