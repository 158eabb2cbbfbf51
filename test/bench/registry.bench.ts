/**
 * Topic 6, registry: the whole token request in-process (a Fetch `Request`
 * with Basic credentials and a scope, through `createTokenEndpoint`, to the
 * `Response` with a signed JWT, its body read), against the one step no
 * design can skip: a raw ES256 signature with node:crypto. Beside it, ES256
 * JWT signing through jose, fast-jwt and hand-written node:crypto (what the
 * endpoint uses since it was chosen by these numbers).
 * Draws the third chart of docs/performance.md.
 */
import { execFileSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, randomBytes, sign, type KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createSigner } from 'fast-jwt';
import { decodeJwt, jwtVerify, SignJWT } from 'jose';
import { createTokenEndpoint } from '../../src/registry/index.js';
import { printTopic } from './harness.js';
import { interleave, printInterleaved, printTargets, ratioTarget, reported, roundsSink } from './rounds.js';
import { QUICK_NOTE } from './settings.js';
import { barChart, writeChart } from './svg-chart.js';
import { tokenStock, verifyAndWarm, WRITE_STEP_MS } from './token-fixture.js';

const STORED = 1_000;
const AUDIENCE = 'registry.example.com';
const ISSUER = 'oat-bench';
const REALM = 'https://auth.example.com/token';

/** A P-256 key and a self-signed certificate for it, made by the openssl CLI (as a registry operator would). */
function makeKeyPair(): { readonly keyPem: string; readonly certPem: string } {
  const dir = mkdtempSync(join(tmpdir(), 'oat-bench-keys-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        'key.pem',
        '-out',
        'cert.pem',
        '-days',
        '3650',
        '-subj',
        '/CN=oat-bench',
      ],
      { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 },
    );
    return { keyPem: readFileSync(join(dir, 'key.pem'), 'utf8'), certPem: readFileSync(join(dir, 'cert.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

printTopic(
  'Registry token requests',
  `The whole token request in-process against a raw ES256 signature, and ES256 JWT signing by library; every ` +
    `comparison interleaved in rounds. ` +
    `${STORED.toLocaleString('en-US')} tokens created through service.create; requests in a fixed random ` +
    `order, each for its token's own repository (pull,push), ` +
    `the service's clock moving ${WRITE_STEP_MS / 1000} s per pass through the tokens so each login is due a ` +
    `last-used write.${QUICK_NOTE}`,
);

const { keyPem, certPem } = makeKeyPair();
const key: KeyObject = createPrivateKey(keyPem);
const publicKey = createPublicKey(key);
const x5c = [certPem.replace(/-----(BEGIN|END) CERTIFICATE-----|\s/g, '')];

const fixture = await tokenStock(STORED).grow(STORED);
await verifyAndWarm(fixture);
const endpoint = createTokenEndpoint({
  tokenService: fixture.service,
  audience: AUDIENCE,
  issuer: ISSUER,
  signingKey: key,
  certificateChain: certPem,
  clock: fixture.clock,
});
const urls = fixture.repositories.map(
  (repository) => `${REALM}?service=${AUDIENCE}&scope=${encodeURIComponent(`repository:${repository}:pull,push`)}`,
);
const authorizations = fixture.tokens.map(
  (token, i) => `Basic ${Buffer.from(`${fixture.orgs[i]}:${token}`).toString('base64')}`,
);

// One request checked end to end before timing: 200, a JWT that verifies, the asked scope granted.
const sample = await endpoint(
  new Request(urls[0] as string, { headers: { authorization: authorizations[0] as string } }),
);
const body = (await sample.json()) as { token?: string };
if (sample.status !== 200 || typeof body.token !== 'string')
  throw new Error(`the token endpoint answered ${sample.status}`);
// The service's clock runs ahead of the real one (it moves with the benchmark): verify at its time.
const verified = await jwtVerify(body.token, publicKey, {
  audience: AUDIENCE,
  issuer: ISSUER,
  currentDate: new Date(fixture.clock.now()),
});
const granted = JSON.stringify(verified.payload['access']);
if (!granted.includes(fixture.repositories[0] as string) || !granted.includes('push'))
  throw new Error(`the JWT grants ${granted}`);

const step = WRITE_STEP_MS / STORED;
let r = 0;
let failures = 0;
const tokenRequests = async (k: number): Promise<number> => {
  let n = 0;
  for (let j = 0; j < k; j++) {
    fixture.clock.advance(step);
    const response = await endpoint(
      new Request(urls[r] as string, { headers: { authorization: authorizations[r] as string } }),
    );
    n += (await response.text()).length;
    if (response.status !== 200) failures++;
    r = r === STORED - 1 ? 0 : r + 1;
  }
  return n;
};

// The floor: an ES256 signature over a signing input as long as the endpoint's, as raw as node:crypto allows.
const signingInput = Buffer.from(body.token.slice(0, body.token.lastIndexOf('.')));
const rawSignature = (k: number): number => {
  let n = 0;
  for (let j = 0; j < k; j++) n += sign('sha256', signingInput, { key, dsaEncoding: 'ieee-p1363' }).length;
  return n;
};

const percent = (n: number): string => `${(n * 100).toFixed(0)}%`;
// Split timing, to name where a request's time goes: the Fetch objects alone, and the login alone.
const sampleText = JSON.stringify(body);
const responseHeaders = { 'content-type': 'application/json', 'cache-control': 'no-store', pragma: 'no-cache' };
let f = 0;
const fetchPlumbing = async (k: number): Promise<number> => {
  let n = 0;
  for (let j = 0; j < k; j++) {
    const req = new Request(urls[f] as string, { headers: { authorization: authorizations[f] as string } });
    n += new URL(req.url).searchParams.getAll('scope').length + (req.headers.get('authorization')?.length ?? 0);
    n += (await new Response(sampleText, { status: 200, headers: responseHeaders }).text()).length;
    f = f === STORED - 1 ? 0 : f + 1;
  }
  return n;
};
let a = 0;
const loginsAlone = async (k: number): Promise<number> => {
  let n = 0;
  for (let j = 0; j < k; j++) {
    fixture.clock.advance(step);
    if ((await fixture.service.authenticate(fixture.orgs[a], fixture.tokens[a])).ok) n++;
    a = a === STORED - 1 ? 0 : a + 1;
  }
  await fixture.service.flush();
  return n;
};

const request = await interleave([
  {
    name: 'token request in-process: Request -> createTokenEndpoint -> Response (JWT), body read',
    loop: tokenRequests,
  },
  { name: "floor: crypto.sign('sha256', header.payload, P-256 key, ieee-p1363)", loop: rawSignature },
  { name: 'part: the Fetch objects alone (new Request, URL query, new Response, body read)', loop: fetchPlumbing },
  { name: 'part: service.authenticate alone (a last-used write due on each)', loop: loginsAlone },
]);
if (failures > 0) throw new Error(`${failures} token requests were not answered 200`);
printInterleaved(
  `Token requests against the signing floor (${STORED.toLocaleString('en-US')} stored tokens)`,
  request,
  [1],
);

// ES256 JWT signing, by library: the same header (x5c) and claims as the endpoint's.
const claims = () => {
  const iat = Math.floor(Date.now() / 1000);
  return {
    iss: ISSUER,
    sub: 'org-0',
    aud: AUDIENCE,
    iat,
    nbf: iat,
    exp: iat + 300,
    jti: randomBytes(16).toString('base64url'),
    access: [{ type: 'repository', name: 'org-0/app-0', actions: ['pull', 'push'] }],
  };
};
const fastSigner = createSigner({
  key: keyPem,
  algorithm: 'ES256',
  header: { alg: 'ES256', typ: 'JWT', x5c },
  noTimestamp: true,
});
const header = { alg: 'ES256', typ: 'JWT', x5c };
const signers = {
  jose: async (): Promise<string> => {
    const { access, ...registered } = claims();
    return new SignJWT({ access })
      .setProtectedHeader(header)
      .setIssuer(registered.iss)
      .setSubject(registered.sub)
      .setAudience(registered.aud)
      .setIssuedAt(registered.iat)
      .setNotBefore(registered.nbf)
      .setExpirationTime(registered.exp)
      .setJti(registered.jti)
      .sign(key);
  },
  fastJwt: (): string => fastSigner(claims()),
  nodeCrypto: (): string => {
    const encode = (part: unknown): string => Buffer.from(JSON.stringify(part)).toString('base64url');
    const input = `${encode(header)}.${encode(claims())}`;
    return `${input}.${sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url')}`;
  },
};
for (const [name, make] of Object.entries(signers)) {
  const jwt = await make();
  const { payload, protectedHeader } = await jwtVerify(jwt, publicKey, { audience: AUDIENCE, issuer: ISSUER });
  if (protectedHeader.alg !== 'ES256' || protectedHeader.x5c?.[0] !== x5c[0] || decodeJwt(jwt).jti !== payload.jti)
    throw new Error(`${name} signs a different JWT`);
}
const libraries = await interleave([
  {
    name: 'jose 6: new SignJWT(...).sign(KeyObject)',
    loop: async (k) => {
      let n = 0;
      for (let j = 0; j < k; j++) n += (await signers.jose()).length;
      return n;
    },
  },
  {
    name: 'fast-jwt 6: createSigner({ algorithm: ES256 })(claims)',
    loop: (k) => {
      let n = 0;
      for (let j = 0; j < k; j++) n += signers.fastJwt().length;
      return n;
    },
  },
  {
    name: 'node:crypto by hand: JSON + base64url + crypto.sign (the endpoint uses this)',
    loop: (k) => {
      let n = 0;
      for (let j = 0; j < k; j++) n += signers.nodeCrypto().length;
      return n;
    },
  },
  { name: 'floor: crypto.sign only', loop: rawSignature },
]);
printInterleaved('ES256 JWT signing by library (same header with x5c, same claims)', libraries, [3, 0]);

const us = (ns: ReadonlyArray<number>): { lo: number; hi: number } => ({
  lo: Math.min(...ns) / 1000,
  hi: Math.max(...ns) / 1000,
});
writeChart(
  'token-request-vs-signing.svg',
  barChart({
    title: 'Registry token request vs ES256 signing: µs per operation',
    subtitle: 'bar: median of interleaved rounds; line: min–max. Grey: the signing floor.',
    unit: 'µs',
    bars: [
      {
        label: 'whole token request (createTokenEndpoint)',
        value: request.median(0) / 1000,
        ...us(request.ns[0] as number[]),
      },
      { label: 'jose SignJWT', value: libraries.median(0) / 1000, ...us(libraries.ns[0] as number[]) },
      { label: 'fast-jwt createSigner', value: libraries.median(1) / 1000, ...us(libraries.ns[1] as number[]) },
      { label: 'node:crypto JWT by hand', value: libraries.median(2) / 1000, ...us(libraries.ns[2] as number[]) },
      {
        label: 'crypto.sign alone (floor)',
        value: request.median(1) / 1000,
        ...us(request.ns[1] as number[]),
        reference: true,
      },
    ],
  }),
);
printTargets('Registry targets', [
  ratioTarget('whole token request vs raw ES256 signature (node:crypto)', request.ratio(0, 1), 0.5),
  reported('share of a whole request: the Fetch objects alone', request.ratio(0, 2), percent),
  reported('share of a whole request: service.authenticate alone', request.ratio(0, 3), percent),
  reported('share of a whole request: the raw signature', request.ratio(0, 1), percent),
  reported('jose SignJWT vs raw signature', libraries.ratio(0, 3)),
  reported('fast-jwt vs raw signature', libraries.ratio(1, 3)),
  reported('node:crypto JWT by hand vs raw signature', libraries.ratio(2, 3)),
  reported('fast-jwt vs jose', libraries.ratio(1, 0)),
]);
console.log(`\n(sink ${roundsSink()}; measured in ${(performance.now() / 1000).toFixed(1)} s)`);
