import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  createMemoryTokenStore,
  createTokenService,
  type LeakLabel,
  type TokenEvent,
  type TokenId,
} from '../../src/index.js';
import { createSecretScanningHandler, type SecretScanningService } from '../../src/secret-scanning/index.js';
import { keyForSignature } from '../support/ecdsa-recover.js';

const ENDPOINT = 'https://oat.example/secret-scanning';
const TYPE = 'oat_organization_access_token';
const FOUND = 'https://github.com/octo/app/blob/main/.env';
const github = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const PEM = github.publicKey.export({ type: 'spki', format: 'pem' }) as string;

const signatureOf = (body: string): string =>
  sign('sha256', Buffer.from(body), { key: github.privateKey, dsaEncoding: 'der' }).toString('base64');
const post = (body: string, keyId: string, signature = signatureOf(body)): Request =>
  new Request(ENDPOINT, {
    method: 'POST',
    body,
    headers: { 'github-public-key-identifier': keyId, 'github-public-key-signature': signature },
  });
const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');
const matchOf = (token: string, extra: object = {}) => ({ token, type: TYPE, url: FOUND, source: 'content', ...extra });

async function setup(publicKey: (keyId: string) => string | null) {
  const store = createMemoryTokenStore();
  const events: TokenEvent[] = [];
  const service = createTokenService({
    store,
    organizations: [{ id: 'org-1', name: 'acme', plan: 'team', owners: ['alice'] }],
    events: { emit: (e) => events.push(e) },
  });
  const create = async () => {
    const { token, secret } = await service.create({ username: 'alice' }, 'acme', {
      label: 'ci',
      resources: [{ type: 'repository', path: 'acme/app', scopes: ['pull'] }],
    });
    return { id: token.id as TokenId, secret: secret.reveal() };
  };
  const tokens = [await create(), await create(), await create()];
  events.length = 0;
  const handler = createSecretScanningHandler({ service, publicKey, mode: 'report' });
  return { handler, store, events, tokens, service };
}

describe('a batch with malformed items', () => {
  it(
    'looks up every token string with its bad fields replaced, and answers nothing for an item ' + 'with none',
    async () => {
      const s = await setup(() => PEM);
      const handler = createSecretScanningHandler({ service: s.service, publicKey: () => PEM });
      const [good, badUrl, badSource] = s.tokens as [(typeof s.tokens)[0], (typeof s.tokens)[0], (typeof s.tokens)[0]];
      const body = JSON.stringify([
        matchOf(good.secret),
        matchOf(badUrl.secret, { url: 'javascript:alert(1)' }),
        matchOf(badSource.secret, { source: 7 }),
        { type: TYPE, url: FOUND },
        'not a match',
        matchOf(''),
        matchOf('x'.repeat(257)),
        matchOf(good.secret, { type: 'no such type!' }),
      ]);
      const reply = await handler(post(body, 'k1'));
      expect(reply.status).toBe(200);
      expect(await reply.json()).toEqual([
        { token_hash: hashOf(good.secret), token_type: TYPE, label: 'true_positive' },
        { token_hash: hashOf(badUrl.secret), token_type: TYPE, label: 'true_positive' },
        { token_hash: hashOf(badSource.secret), token_type: TYPE, label: 'true_positive' },
        { token_hash: hashOf(good.secret), token_type: 'no such type!', label: 'true_positive' },
      ]);
      for (const token of [good, badUrl, badSource])
        expect(await s.store.findById(token.id)).toMatchObject({ state: 'inactive' });
      expect(s.events.filter((e) => e.type === 'access_token.leaked')).toEqual([
        expect.objectContaining({ tokenId: good.id, url: FOUND, source: 'content', action: 'DEACTIVATED' }),
        expect.objectContaining({ tokenId: badUrl.id, url: 'https://unknown.invalid/', action: 'DEACTIVATED' }),
        expect.objectContaining({ tokenId: badSource.id, url: FOUND, source: 'unknown', action: 'DEACTIVATED' }),
        expect.objectContaining({ tokenId: good.id, action: 'ALREADY_INACTIVE' }),
      ]);
    },
  );

  it('answers one secret with one label, even when its lookups disagree', async () => {
    const s = await setup(() => PEM);
    const labels: LeakLabel[] = ['true_positive', 'false_positive'];
    // A token purged between the two lookups: the second finds nothing.
    const service: SecretScanningService = {
      reportLeaked: async () => {
        const label = labels.shift() ?? 'false_positive';
        return { ok: true, value: { label, action: 'NONE', tokenId: null, organizationId: null, organization: null } };
      },
    };
    const handler = createSecretScanningHandler({ service, publicKey: () => PEM });
    const secret = s.tokens[0]?.secret as string;
    const reply = await handler(post(JSON.stringify([matchOf(secret), matchOf(secret, { url: 'ftp://x' })]), 'k1'));
    const feedback = (await reply.json()) as Array<{ label: string }>;
    expect(feedback.map((f) => f.label)).toEqual(['true_positive', 'true_positive']);
  });

  it('still refuses a body that is no list of matches at all', async () => {
    const s = await setup(() => PEM);
    const reply = await s.handler(post('{"token": "x"}', 'k1'));
    expect(reply.status).toBe(400);
    expect(await reply.json()).toMatchObject({ code: 'MALFORMED_PAYLOAD' });
  });
});

describe('the replay memory is keyed by the verifying key, not its identifier', () => {
  it('refuses a replay sent under another identifier of the same key', async () => {
    const s = await setup((keyId) => (keyId === 'k1' || keyId === 'k1-alias' ? PEM : null));
    const body = JSON.stringify([matchOf(s.tokens[0]?.secret as string)]);
    const signature = signatureOf(body);
    expect((await s.handler(post(body, 'k1', signature))).status).toBe(200);
    const again = await s.handler(post(body, 'k1-alias', signature));
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ code: 'REPLAYED' });
  });

  it('takes a signature that a new key, published under a reused identifier, made with the same r and s', async () => {
    let current = PEM;
    const s = await setup((keyId) => (keyId === 'k1' ? current : null));
    const first = JSON.stringify([matchOf(s.tokens[0]?.secret as string)]);
    const signature = signatureOf(first);
    expect((await s.handler(post(first, 'k1', signature))).status).toBe(200);
    // GitHub rotates: k1 now names another key, under which the same (r, s) signs another body.
    const second = JSON.stringify([matchOf(s.tokens[1]?.secret as string)]);
    current = keyForSignature(signature, second);
    const reply = await s.handler(post(second, 'k1', signature));
    expect(reply.status).toBe(200);
    expect(s.events.filter((e) => e.type === 'access_token.leaked').map((e) => e.tokenId)).toEqual([
      s.tokens[0]?.id,
      s.tokens[1]?.id,
    ]);
  });
});
