/**
 * Topic 2, token handling: generating tokens, and rejecting malformed ones
 * offline, alone and through `service.authenticate` (authentication of
 * stored tokens is in the scale topic).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { encodeChecksum, TOKEN_BODY_LENGTH } from '../../src/core/format.js';
import { createMemoryTokenStore, createTokenService, DEFAULT_POLICY, platformRandom } from '../../src/index.js';
import { formatAccepts, loginAccepted } from './api.js';
import { printTopic, shuffled } from './harness.js';
import {
  interleave,
  printInterleaved,
  printTargets,
  reported,
  roundsSink,
  type RatioSpread,
  type TargetLine,
} from './rounds.js';
import { plainCheck } from './plain-variants.js';
import { QUICK_NOTE } from './settings.js';

const format = DEFAULT_POLICY.format;

printTopic(
  'Token handling',
  `Format \`${format.prefix}\` + ${TOKEN_BODY_LENGTH} base62 + 6 base62 CRC32 (${format.length} characters). ` +
    `Every comparison interleaves its contenders in rounds.${QUICK_NOTE}`,
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
  t.length === format.length &&
  t.startsWith(format.prefix) &&
  encodeChecksum(zlibCrc32(t.slice(0, checksumStart))) === t.slice(checksumStart);
const SHAPE = new RegExp(`^${format.prefix}[0-9A-Za-z]{${format.length - format.prefix.length}}$`);

for (const t of good)
  if (!formatAccepts(format, t) || !zlibCheck(t)) throw new Error('a generated token fails its own format');
for (const t of malformed)
  if (formatAccepts(format, t) || zlibCheck(t)) throw new Error(`a malformed token passes: ${t.slice(0, 8)}…`);

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

const generation = await interleave([
  {
    name: 'ours: createTokenFormat().generate(platformRandom)',
    loop: (k) => {
      let n = 0;
      for (let j = 0; j < k; j++) n += format.generate(platformRandom).length;
      return n;
    },
  },
  {
    name: "peer: crypto.randomBytes(32).toString('base64url') (no checksum)",
    loop: (k) => {
      let n = 0;
      for (let j = 0; j < k; j++) n += randomBytes(32).toString('base64url').length;
      return n;
    },
  },
  {
    name: 'peer: crypto.randomUUID()',
    loop: (k) => {
      let n = 0;
      for (let j = 0; j < k; j++) n += randomUUID().length;
      return n;
    },
  },
]);
printInterleaved('Generating a token', generation, [1, 2]);

// A service whose store holds one organization's token: a malformed token never reaches the store.
const service = createTokenService({
  store: createMemoryTokenStore(),
  organizations: [{ name: 'acme', plan: 'business', owners: ['owner'] }],
});
await service.create({ username: 'owner' }, 'acme', {
  label: 'ci',
  resources: [{ type: 'repository', path: 'acme/app', scopes: ['scope-image-pull'] }],
});
for (const t of [...malformed, ...badChecksums])
  if (loginAccepted(await service.authenticate('acme', t))) throw new Error('the service accepts a malformed token');
const refusedBy = (items: ReadonlyArray<string>): ((k: number) => Promise<number>) => {
  const last = items.length - 1;
  let i = 0;
  return async (k) => {
    let n = 0;
    for (let j = 0; j < k; j++) {
      if (!loginAccepted(await service.authenticate('acme', items[i]))) n++;
      i = i === last ? 0 : i + 1;
    }
    return n;
  };
};
const checks = await interleave([
  { name: 'service.authenticate refuses malformed (mix of 4 kinds)', loop: refusedBy(malformed) },
  { name: 'service.authenticate refuses bad checksums only', loop: refusedBy(badChecksums) },
  {
    name: 'ours: check() rejects malformed (mix of 4 kinds)',
    loop: rotating(malformed, (t) => !formatAccepts(format, t)),
  },
  {
    name: 'ours: check() rejects bad checksums only (worst case)',
    loop: rotating(badChecksums, (t) => !formatAccepts(format, t)),
  },
  { name: 'ours: check() accepts well-formed', loop: rotating(good, (t) => formatAccepts(format, t)) },
  { name: 'peer: length + prefix + zlib.crc32 rejects the mix', loop: rotating(malformed, (t) => !zlibCheck(t)) },
  { name: 'peer: shape RegExp only (cannot see a bad checksum)', loop: rotating(malformed, (t) => !SHAPE.test(t)) },
]);
printInterleaved('Refusing malformed tokens', checks, [2, 5]);

const codeOf = (check: { readonly ok: boolean; readonly code?: string }): string =>
  check.ok ? 'OK' : (check.code ?? '?');

// Issue 11: does folding the CRC into the alphabet loop pay, against the plain check (same results)?
const plain = plainCheck(format.prefix);
// The plain check gives no message; the verdict and the code must agree.
for (const t of [...good, ...malformed, ...badChecksums])
  if (codeOf(plain(t)) !== codeOf(format.check(t))) throw new Error('the plain check disagrees');
const folded = await interleave([
  {
    name: 'ours: check(), CRC folded into the alphabet loop, bad checksums',
    loop: rotating(badChecksums, (t) => !formatAccepts(format, t)),
  },
  {
    name: 'plain: alphabet loop, then a CRC function, bad checksums',
    loop: rotating(badChecksums, (t) => !plain(t).ok),
  },
  { name: 'ours: check(), CRC folded, well-formed', loop: rotating(good, (t) => formatAccepts(format, t)) },
  { name: 'plain: alphabet loop, then a CRC function, well-formed', loop: rotating(good, (t) => plain(t).ok) },
]);
printInterleaved('The format check: CRC folded into the alphabet loop, against the plain version', folded, [1, 3]);

const millions = (s: RatioSpread): RatioSpread => ({ median: s.median / 1e6, min: s.min / 1e6, max: s.max / 1e6 });
const rateTarget = (what: string, s: RatioSpread): TargetLine => {
  const m = millions(s);
  return {
    what,
    goal: '>= 5 M/s',
    median: `${m.median.toFixed(2)} M/s`,
    range: `${m.min.toFixed(2)}–${m.max.toFixed(2)} M/s`,
    met: m.median >= 5,
  };
};
printTargets('Token targets', [
  rateTarget('service.authenticate refuses a malformed token (mix of 4 kinds), rate', checks.rate(0)),
  rateTarget('service.authenticate refuses a bad-checksum token, rate', checks.rate(1)),
  reported('check() alone, malformed mix, rate', millions(checks.rate(2)), (n) => `${n.toFixed(2)} M/s`),
  reported('generate vs randomBytes(32) + base64url', generation.ratio(0, 1)),
  reported('check() with the CRC folded vs the plain check, bad checksums', folded.ratio(0, 1)),
  reported('check() with the CRC folded vs the plain check, well-formed', folded.ratio(2, 3)),
]);
console.log(`\n(sink ${roundsSink()}; measured in ${(performance.now() / 1000).toFixed(1)} s)`);
