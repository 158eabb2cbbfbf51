/**
 * Topic 3, hashers: what storing a token's hash costs per authentication with
 * our hashers, with WebCrypto, and with password hashes (scrypt, bcrypt).
 * Every contender takes the token as a string and returns a string, as a
 * login does.
 */
import { hash, randomBytes, scrypt, webcrypto } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import bcrypt from 'bcryptjs';
import { hmacSha256Hasher, platformRandom, sha256Hasher } from '../../src/index.js';
import { measure, measureAsync, printGrid, printTable, printTopic, sinkValue, speedup, target, type Measured } from './harness.js';
import { BENCH_POLICY } from './token-fixture.js';

printTopic(
  'Hashers',
  'One token (40 characters) in, one string out. Password hashes run a handful of iterations only: they take tens of milliseconds each.',
);

const tokens = Array.from({ length: 64 }, () => BENCH_POLICY.format.generate(platformRandom));
const sha = sha256Hasher();
const hmac = hmacSha256Hasher(randomBytes(32));
const encoder = new TextEncoder();
const salt = randomBytes(16);
const scryptAsync = (secret: string): Promise<Buffer> =>
  new Promise((resolve, reject) => scrypt(secret, salt, 32, (error, key) => (error ? reject(error) : resolve(key))));
const bcryptHash = bcrypt.hashSync(tokens[0] as string, 10);

// Check that each contender hashes deterministically and answers as expected before timing it.
if (sha.hash(tokens[0] as string) !== hash('sha256', tokens[0] as string, 'base64url')) throw new Error('sha256Hasher differs from crypto.hash');
if (hmac.hash(tokens[0] as string) !== hmac.hash(tokens[0] as string)) throw new Error('hmacSha256Hasher is not deterministic');
if (!bcrypt.compareSync(tokens[0] as string, bcryptHash) || bcrypt.compareSync(tokens[1] as string, bcryptHash)) throw new Error('bcrypt does not verify');
const subtle = Buffer.from(await webcrypto.subtle.digest('SHA-256', encoder.encode(tokens[0] as string))).toString('base64url');
if (subtle !== sha.hash(tokens[0] as string)) throw new Error('WebCrypto and sha256Hasher disagree');

let i = 0;
const next = (): string => {
  i = (i + 1) & 63;
  return tokens[i] as string;
};

const rows: Measured[] = [
  await measure('ours: sha256Hasher().hash (crypto.hash one-shot, base64url)', (k) => {
    let n = 0;
    for (let j = 0; j < k; j++) n += sha.hash(next()).length;
    return n;
  }),
  await measure('ours: hmacSha256Hasher(pepper).hash (createHmac, base64url)', (k) => {
    let n = 0;
    for (let j = 0; j < k; j++) n += hmac.hash(next()).length;
    return n;
  }),
  await measureAsync("WebCrypto: await crypto.subtle.digest('SHA-256') + base64url", async (k) => {
    let n = 0;
    for (let j = 0; j < k; j++) n += Buffer.from(await webcrypto.subtle.digest('SHA-256', encoder.encode(next()))).toString('base64url').length;
    return n;
  }),
  await measureAsync(
    'scrypt: await crypto.scrypt, default cost (N=16384, r=8, p=1), 32 bytes',
    async (k) => {
      let n = 0;
      for (let j = 0; j < k; j++) n += (await scryptAsync(next())).toString('base64url').length;
      return n;
    },
    { timeMs: 0, minSamples: 10, warmupMs: 0, warmupIterations: 1, targetSampleMs: 0 },
  ),
  await measure(
    'bcryptjs: compareSync, cost 10',
    (k) => {
      let n = 0;
      for (let j = 0; j < k; j++) if (bcrypt.compareSync(tokens[0] as string, bcryptHash)) n++;
      return n;
    },
    { timeMs: 0, minSamples: 5, warmupMs: 0, warmupIterations: 1, targetSampleMs: 0 },
  ),
];
const [rSha, rHmac, rSubtle, rScrypt, rBcrypt] = rows as [Measured, Measured, Measured, Measured, Measured];
printTable('Hashing one token', rows, [
  { label: 'WebCrypto', result: rSubtle },
  { label: 'scrypt', result: rScrypt },
  { label: 'bcrypt', result: rBcrypt },
]);

printGrid(
  'What the ratios mean',
  ['comparison', 'measured', 'goal', 'status'],
  [
    target('sha256Hasher vs hmacSha256Hasher', speedup(rSha, rHmac), 'no target'),
    target('sha256Hasher vs await subtle.digest', speedup(rSha, rSubtle), 'no target'),
    target('sha256Hasher vs scrypt (defaults)', speedup(rSha, rScrypt), 'no target'),
    target('sha256Hasher vs bcrypt cost 10', speedup(rSha, rBcrypt), 'no target'),
  ],
);
console.log(`\n(sink ${sinkValue()}; measured in ${(performance.now() / 1000).toFixed(1)} s)`);
