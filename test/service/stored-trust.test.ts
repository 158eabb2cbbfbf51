import { describe, expect, it } from 'vitest';
import {
  createMemoryTokenStore,
  createTokenService,
  type AccessTokenRecord,
  type RawResource,
  type TokenStore,
} from '../../src/index.js';
import { parseStoredRecord } from '../../src/core/record-schema.js';
import type { TokenId } from '../../src/core/ids.js';
import { createHubApi, UNREADABLE_HEADER } from '../../src/hub-api/index.js';
import { createTokenEndpoint } from '../../src/registry/index.js';
import { createFakeClock } from '../../src/testing/fake-clock.js';
import { makeSelfSigned } from '../registry/keys.js';
import { conforming, HUB, TOKEN_ENDPOINT } from '../support/openapi-contract.js';
import { describeStoredTrust, TAMPERED_GRANTS, type TrustWorld } from '../support/stored-trust.js';

/** What a SQL store does with a row whose resources column is not JSON: the parse fails the read. */
const unreadable = (record: AccessTokenRecord): never =>
  parseStoredRecord({ ...record, resources: 'not json[' }) as never;

/**
 * The memory store, with a back door: grants are replaced in place (the version kept, as a hand edit
 * keeps it), and a "malformed" row is read the way a SQL store reads one, failing `parseStoredRecord`.
 */
function memoryWorld(): TrustWorld {
  const inner = createMemoryTokenStore();
  const broken = new Set<string>();
  const read = (record: AccessTokenRecord | null): AccessTokenRecord | null =>
    record !== null && broken.has(record.id) ? unreadable(record) : record;
  const store: TokenStore = {
    insertWithinQuota: (record, limit) => inner.insertWithinQuota(record, limit),
    replace: (record, expected) => inner.replace(record, expected),
    touchLastUsed: (id, at, ifOlderThan) => inner.touchLastUsed(id, at, ifOlderThan),
    markDeleted: (id, organization, at) => inner.markDeleted(id, organization, at),
    findById: async (id) => read(await inner.findById(id)),
    findBySecretHash: async (hash) => read(await inner.findBySecretHash(hash)),
    list: async (query) => {
      const page = await inner.list(query);
      const items = page.items.filter((r) => !broken.has(r.id));
      return {
        items,
        total: page.total,
        unreadable: page.items.length - items.length,
        unreadableIds: page.items.filter((r) => broken.has(r.id)).map((r) => r.id),
      };
    },
    countLive: (organization) => inner.countLive(organization),
  };
  return {
    store,
    async tamper(id: TokenId, how) {
      if (how === 'malformed') {
        broken.add(id);
        return;
      }
      const record = (await inner.findById(id)) as AccessTokenRecord;
      const outcome = await inner.replace(
        { ...record, resources: JSON.parse(TAMPERED_GRANTS[how]) as AccessTokenRecord['resources'] },
        record.version,
      );
      expect(outcome).toEqual({ ok: true });
    },
  };
}

describeStoredTrust('memory store', async () => memoryWorld(), [
  'member-edit',
  'other-org',
  'public-push',
  'unknown-scope',
  'malformed',
]);

describe('the registry token endpoint and a tampered token', () => {
  it('answers 401, as for every refusal, and issues nothing', async () => {
    const keys = makeSelfSigned();
    const clock = createFakeClock();
    const world = memoryWorld();
    const service = createTokenService({
      store: world.store,
      organizations: [{ name: 'acme', plan: 'team', owners: ['alice'] }],
      clock,
    });
    const { token, secret } = await service.create({ username: 'alice' }, 'acme', {
      label: 'ci',
      resources: [{ type: 'repository', path: 'acme/app', scopes: ['scope-image-pull'] }],
    });
    await world.tamper(token.id, 'public-push');
    const endpoint = conforming(
      createTokenEndpoint({
        tokenService: service,
        audience: 'registry.test',
        issuer: 'oat-test',
        signingKey: keys.keyPem,
        certificateChain: keys.chainPem,
        clock,
      }),
      TOKEN_ENDPOINT,
    );
    const url = 'http://token.test/token?service=registry.test&scope=repository:acme/app:pull';
    const response = await endpoint(
      new Request(url, {
        headers: { authorization: `Basic ${Buffer.from(`acme:${secret.reveal()}`).toString('base64')}` },
      }),
    );
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ errors: [expect.objectContaining({ code: 'UNAUTHORIZED' })] });
  });
});

describe('the Hub API list and an unreadable token', () => {
  it(
    'answers 200 with the readable tokens and says how many it could not read in ' + 'x-oat-unreadable-tokens',
    async () => {
      const world = memoryWorld();
      const service = createTokenService({
        store: world.store,
        organizations: [{ name: 'acme', plan: 'team', owners: ['alice'] }],
        clock: createFakeClock(),
      });
      const grants: RawResource[] = [{ type: 'repository', path: 'acme/app', scopes: ['scope-image-pull'] }];
      const good = await service.create({ username: 'alice' }, 'acme', { label: 'good', resources: grants });
      const bad = await service.create({ username: 'alice' }, 'acme', { label: 'bad', resources: grants });
      const hub = conforming(createHubApi({ service, authenticateCaller: () => ({ username: 'alice' }) }), HUB);
      const list = async () => hub(new Request('http://hub.test/v2/orgs/acme/access-tokens?page_size=100'));

      const healthy = await list();
      expect(healthy.headers.get(UNREADABLE_HEADER)).toBe('0');
      await world.tamper(bad.token.id, 'malformed');
      const response = await list();
      expect(response.status).toBe(200);
      expect(response.headers.get(UNREADABLE_HEADER)).toBe('1');
      const body = (await response.json()) as { total: number; results: Array<{ id: string }> };
      expect(body.total).toBe(2);
      expect(body.results.map((r) => r.id)).toEqual([good.token.id]);
    },
  );
});
