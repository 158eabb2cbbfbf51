/**
 * Topic 3, hashers: what storing a token's hash costs per authentication with
 * our hashers, with WebCrypto, and with password hashes (scrypt, bcrypt).
 * Every contender takes the token as a string and returns a string, as a
 * login does.
 */
import { hash, randomBytes, scrypt, webcrypto } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import bcrypt from 'bcryptjs';
import { DEFAULT_POLICY, hmacSha256Hasher, sha256Hasher, platformRandom } from '../../src/index.js';
import { printTopic } from './harness.js';
import { interleave, printInterleaved, printTargets, reported, roundsSink } from './rounds.js';
import { QUICK_NOTE } from './settings.js';

printTopic(
  'Hashers',
  `One token (40 characters) in, one string out, all contenders interleaved in rounds. A password hash takes ` +
    `tens of milliseconds, so its batch is one call.${QUICK_NOTE}`,
);

const tokens = Array.from({ length: 64 }, () => DEFAULT_POLICY.format.generate(platformRandom));
const sha = sha256Hasher();
const hmac = hmacSha256Hasher(randomBytes(32));
const encoder = new TextEncoder();
const salt = randomBytes(16);
const scryptAsync = (secret: string): Promise<Buffer> =>
  new Promise((resolve, reject) => scrypt(secret, salt, 32, (error, key) => (error ? reject(error) : resolve(key))));
const bcryptHash = bcrypt.hashSync(tokens[0] as string, 10);

// Check that each contender hashes deterministically and answers as expected before timing it.
if (sha.hash(tokens[0] as string) !== hash('sha256', tokens[0] as string, 'base64url'))
  throw new Error('sha256Hasher differs from crypto.hash');
if (hmac.hash(tokens[0] as string) !== hmac.hash(tokens[0] as string))
  throw new Error('hmacSha256Hasher is not deterministic');
if (!bcrypt.compareSync(tokens[0] as string, bcryptHash) || bcrypt.compareSync(tokens[1] as string, bcryptHash))
  throw new Error('bcrypt does not verify');
const subtle = Buffer.from(await webcrypto.subtle.digest('SHA-256', encoder.encode(tokens[0] as string))).toString(
  'base64url',
);
if (subtle !== sha.hash(tokens[0] as string)) throw new Error('WebCrypto and sha256Hasher disagree');

let i = 0;
const next = (): string => {
  i = (i + 1) & 63;
  return tokens[i] as string;
};

const rows = await interleave([
  {
    name: 'ours: sha256Hasher().hash (crypto.hash one-shot, base64url)',
    loop: (k) => {
      let n = 0;
      for (let j = 0; j < k; j++) n += sha.hash(next()).length;
      return n;
    },
  },
  {
    name: 'ours: hmacSha256Hasher(pepper).hash (createHmac, base64url)',
    loop: (k) => {
      let n = 0;
      for (let j = 0; j < k; j++) n += hmac.hash(next()).length;
      return n;
    },
  },
  {
    name: "WebCrypto: await crypto.subtle.digest('SHA-256') + base64url",
    loop: async (k) => {
      let n = 0;
      for (let j = 0; j < k; j++)
        n += Buffer.from(await webcrypto.subtle.digest('SHA-256', encoder.encode(next()))).toString('base64url').length;
      return n;
    },
  },
  {
    name: 'scrypt: await crypto.scrypt, default cost (N=16384, r=8, p=1), 32 bytes',
    loop: async (k) => {
      let n = 0;
      for (let j = 0; j < k; j++) n += (await scryptAsync(next())).toString('base64url').length;
      return n;
    },
  },
  {
    name: 'bcryptjs: compareSync, cost 10',
    loop: (k) => {
      let n = 0;
      for (let j = 0; j < k; j++) if (bcrypt.compareSync(tokens[0] as string, bcryptHash)) n++;
      return n;
    },
  },
]);
printInterleaved('Hashing one token', rows, [2, 3, 4]);

printTargets('What the ratios mean', [
  reported('sha256Hasher vs hmacSha256Hasher', rows.ratio(0, 1)),
  reported('sha256Hasher vs await subtle.digest', rows.ratio(0, 2)),
  reported('sha256Hasher vs scrypt (defaults)', rows.ratio(0, 3)),
  reported('sha256Hasher vs bcrypt cost 10', rows.ratio(0, 4)),
]);
console.log(`\n(sink ${roundsSink()}; measured in ${(performance.now() / 1000).toFixed(1)} s)`);
