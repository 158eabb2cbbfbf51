import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  createMemoryTokenStore,
  createTokenService,
  type TokenEvent,
  type TokenId,
  type TokenStore,
} from '../../src/index.js';
import * as entry from '../../src/secret-scanning/index.js';
import { createSecretScanningHandler, type SecretScanningOptions } from '../../src/secret-scanning/index.js';
import { createFakeClock } from '../../src/testing/fake-clock.js';
import { countingStream, streamingRequest } from '../support/counting-stream.js';
import { platformRandom } from '../../src/service/random.js';

const ENDPOINT = 'https://oat.example/secret-scanning';
const KEY_ID = 'f9525bf080f75b3506ca1ead061add62b8633a346606dc5fe544e29231c6ee0d';
const TYPE = 'oat_organization_access_token';
const FOUND = 'https://github.com/octo/app/blob/0123456789abcdef0123456789abcdef01234567/.env';
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

const github = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const stranger = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const PEM = github.publicKey.export({ type: 'spki', format: 'pem' }) as string;

const signatureOf = (body: string, key: KeyObject = github.privateKey): string =>
  sign('sha256', Buffer.from(body), { key, dsaEncoding: 'der' }).toString('base64');
const post = (body: string, headers: Record<string, string> = {}): Request =>
  new Request(ENDPOINT, {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      'github-public-key-identifier': KEY_ID,
      'github-public-key-signature': signatureOf(body),
      ...headers,
    },
  });
const matchOf = (token: string, extra: object = {}) => ({ token, type: TYPE, url: FOUND, source: 'content', ...extra });
const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');

/** The same signature with s replaced by n - s: as valid, other bytes. */
function malleated(signature: string): string {
  const der = Buffer.from(signature, 'base64');
  const rLength = der[3] as number;
  const sStart = 4 + rLength + 2;
  const s = BigInt(`0x${der.subarray(sStart).toString('hex')}`);
  let hex = (N - s).toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  if (Number.parseInt(hex.slice(0, 2), 16) & 0x80) hex = `00${hex}`;
  const sBytes = Buffer.from(hex, 'hex');
  const r = der.subarray(2, 4 + rLength);
  const content = Buffer.concat([r, Buffer.from([0x02, sBytes.length]), sBytes]);
  return Buffer.concat([Buffer.from([0x30, content.length]), content]).toString('base64');
}

async function setup(options: Partial<SecretScanningOptions> = {}, storeOverride?: (store: TokenStore) => TokenStore) {
  const base = createMemoryTokenStore();
  const store = storeOverride?.(base) ?? base;
  const clock = createFakeClock();
  const events: TokenEvent[] = [];
  const service = createTokenService({
    store,
    clock,
    organizations: [{ id: 'org-1', name: 'acme', plan: 'team', owners: ['alice'] }],
    events: { emit: (e) => events.push(e) },
  });
  const create = async () => {
    const { token, secret } = await service.create({ username: 'alice' }, 'acme', {
      label: 'ci',
      resources: [{ type: 'repository', path: 'acme/app', scopes: ['pull'] }],
    });
    return { id: token.id, secret: secret.reveal() };
  };
  const live = await create();
  const inactive = await create();
  await service.deactivate({ username: 'alice' }, 'acme', inactive.id);
  events.length = 0;
  const lookups: string[] = [];
  const faults: Array<{ error: unknown; request: unknown }> = [];
  const handler = createSecretScanningHandler({
    service,
    publicKey: (id) => {
      lookups.push(id);
      return id === KEY_ID ? PEM : null;
    },
    clock,
    onError: (error, request) => faults.push({ error, request }),
    ...options,
  });
  /** Every stored row of the run, to show a refused request changed nothing. */
  const snapshot = async () =>
    JSON.stringify([
      await base.findById(live.id as TokenId),
      await base.findById(inactive.id as TokenId),
      await base.countLive('org-1' as never),
    ]);
  return { handler, service, store: base, clock, events, live, inactive, lookups, faults, snapshot };
}

describe('createSecretScanningHandler', () => {
  it('deactivates a reported live token, audits where it leaked, and answers with GitHub feedback', async () => {
    const { handler, live, store, events } = await setup();
    const reply = await handler(post(JSON.stringify([matchOf(live.secret)])));
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('application/json');
    expect(await reply.json()).toEqual([{ token_hash: hashOf(live.secret), token_type: TYPE, label: 'true_positive' }]);
    expect(await store.findById(live.id as TokenId)).toMatchObject({ state: 'inactive' });
    expect(events.map((e) => e.type)).toEqual(['access_token.deactivate', 'access_token.leaked']);
    expect(events[1]).toMatchObject({ tokenId: live.id, url: FOUND, source: 'content', action: 'DEACTIVATED' });
  });

  it('labels each match of a batch: ours in any state true_positive, unknown and mistyped false_positive', async () => {
    const { handler, service, live, inactive } = await setup();
    const unknown = service.policy.format.generate(platformRandom);
    const mistyped = live.secret.slice(0, -1) + (live.secret.endsWith('A') ? 'B' : 'A');
    const tokens = [live.secret, inactive.secret, unknown, mistyped, 'oat_x'];
    const reply = await handler(
      post(JSON.stringify(tokens.map((t, i) => matchOf(t, i === 4 ? { source: undefined } : {})))),
    );
    expect(reply.status).toBe(200);
    const labels = ['true_positive', 'true_positive', 'false_positive', 'false_positive', 'false_positive'];
    expect(await reply.json()).toEqual(
      tokens.map((t, i) => ({ token_hash: hashOf(t), token_type: TYPE, label: labels[i] })),
    );
  });

  it('in report mode changes nothing and labels the token all the same', async () => {
    const { handler, live, events, snapshot } = await setup({ mode: 'report' });
    const before = await snapshot();
    const reply = await handler(post(JSON.stringify([matchOf(live.secret)])));
    expect(await reply.json()).toEqual([{ token_hash: hashOf(live.secret), token_type: TYPE, label: 'true_positive' }]);
    expect(await snapshot()).toBe(before);
    expect(events).toEqual([expect.objectContaining({ type: 'access_token.leaked', action: 'REPORTED' })]);
  });

  it('answers an unknown token false_positive and changes nothing', async () => {
    const { handler, service, events, snapshot } = await setup();
    const before = await snapshot();
    const unknown = service.policy.format.generate(platformRandom);
    expect(await (await handler(post(JSON.stringify([matchOf(unknown)])))).json()).toEqual([
      { token_hash: hashOf(unknown), token_type: TYPE, label: 'false_positive' },
    ]);
    expect(await snapshot()).toBe(before);
    expect(events).toEqual([]);
  });

  describe('refuses, changing nothing,', () => {
    const refusals: Array<[string, (s: Awaited<ReturnType<typeof setup>>) => Request, number, string]> = [
      [
        'a signature of another body',
        (s) => post(JSON.stringify([matchOf(s.live.secret)]), { 'github-public-key-signature': signatureOf('[]') }),
        401,
        'SIGNATURE_INVALID',
      ],
      [
        'a signature by another key',
        (s) => {
          const body = JSON.stringify([matchOf(s.live.secret)]);
          return post(body, { 'github-public-key-signature': signatureOf(body, stranger.privateKey) });
        },
        401,
        'SIGNATURE_INVALID',
      ],
      [
        'a signature that is not one',
        (s) =>
          post(JSON.stringify([matchOf(s.live.secret)]), { 'github-public-key-signature': 'bm90IGEgc2lnbmF0dXJl' }),
        401,
        'SIGNATURE_INVALID',
      ],
      [
        'an unknown key id',
        (s) => post(JSON.stringify([matchOf(s.live.secret)]), { 'github-public-key-identifier': 'a'.repeat(64) }),
        401,
        'KEY_UNKNOWN',
      ],
      [
        'a key id no lookup should see',
        (s) =>
          post(JSON.stringify([matchOf(s.live.secret)]), { 'github-public-key-identifier': 'a key id; with spaces' }),
        401,
        'KEY_UNKNOWN',
      ],
      [
        'a request without the signature headers',
        (s) => new Request(ENDPOINT, { method: 'POST', body: JSON.stringify([matchOf(s.live.secret)]) }),
        401,
        'SIGNATURE_MISSING',
      ],
      ['a signed body that is not JSON', () => post('[{"token": '), 400, 'MALFORMED_PAYLOAD'],
      [
        'a signed body that is not a list',
        (s) => post(JSON.stringify(matchOf(s.live.secret))),
        400,
        'MALFORMED_PAYLOAD',
      ],
      ['a GET', () => new Request(ENDPOINT), 405, 'METHOD_NOT_ALLOWED'],
    ];
    it.each(refusals)('%s', async (name, request, status, code) => {
      const s = await setup();
      const before = await s.snapshot();
      const reply = await s.handler(request(s));
      expect(reply.status).toBe(status);
      const body = (await reply.json()) as { code: string };
      expect(body.code).toBe(code);
      expect(JSON.stringify(body)).not.toContain(s.live.secret);
      expect(await s.snapshot()).toBe(before);
      expect(s.events).toEqual([]);
      expect(s.faults).toEqual([]);
      // Only a well-formed identifier reaches the host's lookup (which may fetch with it).
      if (name === 'a key id no lookup should see') expect(s.lookups).toEqual([]);
    });

    it('a replay of a handled request, also with its signature malleated, until the window has passed', async () => {
      const s = await setup({ replayWindowMs: 60_000, mode: 'report' });
      const body = JSON.stringify([matchOf(s.live.secret)]);
      const signature = signatureOf(body);
      expect((await s.handler(post(body, { 'github-public-key-signature': signature }))).status).toBe(200);
      const before = await s.snapshot();
      s.events.length = 0;
      for (const again of [signature, malleated(signature)]) {
        const reply = await s.handler(post(body, { 'github-public-key-signature': again }));
        expect(reply.status).toBe(409);
        expect(await reply.json()).toMatchObject({ code: 'REPLAYED' });
      }
      expect(await s.snapshot()).toBe(before);
      expect(s.events).toEqual([]);
      s.clock.advance(60_000);
      expect((await s.handler(post(body, { 'github-public-key-signature': signature }))).status).toBe(200);
    });

    it('the second of two concurrent copies of one request', async () => {
      const s = await setup();
      const body = JSON.stringify([matchOf(s.live.secret)]);
      const signature = signatureOf(body);
      const replies = await Promise.all(
        [0, 1].map(() => s.handler(post(body, { 'github-public-key-signature': signature }))),
      );
      expect(replies.map((r) => r.status).sort()).toEqual([200, 409]);
      expect(s.events.filter((e) => e.type === 'access_token.leaked')).toHaveLength(1);
    });

    it('an oversized body, declared or streamed, without reading past the limit', async () => {
      const s = await setup({ maxBodyBytes: 4096 });
      const before = await s.snapshot();
      const big = JSON.stringify(Array.from({ length: 40 }, () => matchOf(s.live.secret)));
      expect(big.length).toBeGreaterThan(4096);
      const declared = await s.handler(post(big));
      expect(declared.status).toBe(413);
      expect(await declared.json()).toMatchObject({ code: 'BODY_TOO_LARGE' });
      const stream = countingStream(1024, 1024);
      const headers = { 'github-public-key-identifier': KEY_ID, 'github-public-key-signature': signatureOf('x') };
      const streamed = await s.handler(streamingRequest(ENDPOINT, stream.stream, headers));
      expect(streamed.status).toBe(413);
      expect(stream.pulled()).toBeLessThanOrEqual(4096 + 1024);
      expect(stream.cancelled()).toBe(true);
      expect(await s.snapshot()).toBe(before);
      expect(s.lookups).toEqual([]);
    });
  });

  it('answers 500 to a store fault, reports it, and takes the retry of the same request', async () => {
    let failing = true;
    const s = await setup({}, (store) => ({
      ...store,
      findBySecretHash: (hash) => {
        if (failing) throw new Error('connection reset');
        return store.findBySecretHash(hash);
      },
    }));
    // The scanner retries with the very request it sent, signature and all.
    const body = JSON.stringify([matchOf(s.live.secret)]);
    const signature = signatureOf(body);
    const request = () => post(body, { 'github-public-key-signature': signature });
    const first = await s.handler(request());
    expect(first.status).toBe(500);
    expect(await first.json()).toMatchObject({ code: 'INTERNAL_ERROR' });
    expect(s.faults).toEqual([
      { error: expect.objectContaining({ code: 'STORE_FAILURE' }), request: { method: 'POST', url: ENDPOINT } },
    ]);
    expect(inspect(s.faults, { depth: null })).not.toContain(s.live.secret);
    failing = false;
    const retry = await s.handler(request());
    expect(retry.status).toBe(200);
    expect(await s.store.findById(s.live.id as TokenId)).toMatchObject({ state: 'inactive' });
  });

  it('answers 503 when a token kept changing, so the scanner sends it again', async () => {
    let conflicting = false;
    const s = await setup({}, (store) => ({
      ...store,
      replace: async (record, version) =>
        conflicting ? ({ ok: false, code: 'CONFLICT' } as const) : store.replace(record, version),
    }));
    conflicting = true;
    const reply = await s.handler(post(JSON.stringify([matchOf(s.live.secret)])));
    expect(reply.status).toBe(503);
    expect(await reply.json()).toMatchObject({ code: 'RETRY_LATER' });
    expect(s.faults).toEqual([{ error: expect.objectContaining({ code: 'CONFLICT' }), request: expect.anything() }]);
  });

  it('answers 500 and reports a key lookup that fails or returns no P-256 key', async () => {
    for (const publicKey of [() => Promise.reject(new Error('github down')), () => 'not a pem']) {
      const s = await setup({ publicKey });
      const before = await s.snapshot();
      const reply = await s.handler(post(JSON.stringify([matchOf(s.live.secret)])));
      expect(reply.status).toBe(500);
      expect(s.faults).toHaveLength(1);
      expect(await s.snapshot()).toBe(before);
    }
  });

  it('exports its code list frozen, so no host can add to it', () => {
    expect(Object.isFrozen(entry.SECRET_SCANNING_REFUSAL_CODES)).toBe(true);
  });

  it('refuses options it cannot work with, naming each', () => {
    const attempt = () =>
      createSecretScanningHandler({
        service: {} as never,
        publicKey: 'pem' as never,
        mode: 'delete' as never,
        maxBodyBytes: 0,
        replayWindowMs: 1.5,
      });
    expect(attempt).toThrow(expect.objectContaining({ code: 'MISCONFIGURED' }));
    try {
      attempt();
    } catch (error) {
      expect((error as { fields: Array<{ path: string }> }).fields.map((f) => f.path)).toEqual([
        'service',
        'publicKey',
        'mode',
        'maxBodyBytes',
        'replayWindowMs',
      ]);
    }
  });
});
