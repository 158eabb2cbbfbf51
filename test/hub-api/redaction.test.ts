import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createHubApi } from '../../src/hub-api/index.js';
import { responseForError, validationResponse } from '../../src/hub-api/responses.js';
import { createMemoryTokenStore, createTokenService } from '../../src/index.js';
import { createFakeClock } from '../../src/testing/fake-clock.js';
import { conforming, HUB } from '../support/openapi-contract.js';
import { embedded, expectNoSlice, foreignSecret, requestWith, tokenOf, tokenPrefix } from '../support/secrets.js';

const BASE = 'http://hub.test/v2/orgs/acme/access-tokens';
const headers = { authorization: 'alice', 'content-type': 'application/json' };

async function hubFor(prefix: string) {
  const service = createTokenService({
    store: createMemoryTokenStore(),
    clock: createFakeClock(),
    organizations: [{ name: 'acme', plan: 'business', owners: ['alice'] }],
    policy: { tokenPrefix: prefix },
  });
  const api = conforming(
    createHubApi({
      service,
      authenticateCaller: (request) =>
        request.headers.get('authorization') === 'alice' ? { username: 'alice' } : null,
    }),
    HUB,
  );
  const { token } = await service.create({ username: 'alice' }, 'acme', {
    label: 'seed',
    resources: [{ type: 'repository', path: 'acme/app', scopes: ['pull'] }],
  });
  return { api, id: token.id };
}

describe('Hub API: error bodies never echo a secret', () => {
  it(
    'a 400 body for a create or update that embeds a secret holds neither the secret nor a 12-character ' +
      'slice of it',
    async () => {
      const planted = tokenPrefix.chain((prefix) =>
        fc
          .oneof({ weight: 3, arbitrary: tokenOf(prefix) }, { weight: 1, arbitrary: foreignSecret })
          .chain((secret) =>
            embedded(secret).chain((s) => requestWith(s, secret).map((input) => ({ prefix, secret, input }))),
          ),
      );
      let rejected = 0;
      await fc.assert(
        fc.asyncProperty(planted, async ({ prefix, secret, input }) => {
          const { api, id } = await hubFor(prefix);
          const body = JSON.stringify(input);
          for (const request of [
            new Request(BASE, { method: 'POST', headers, body }),
            new Request(`${BASE}/${id}`, { method: 'PATCH', headers, body }),
          ]) {
            const response = await api(request);
            if (response.status !== 400) continue;
            rejected++;
            expectNoSlice([await response.text()], secret);
          }
        }),
        { numRuns: 150 },
      );
      expect(rejected).toBeGreaterThan(150);
    },
  );

  it('scrubs issues and messages handed to it directly, as from another copy of the package', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(tokenOf('oat_'), foreignSecret).chain((secret) => embedded(secret).map((s) => ({ secret, s }))),
        async ({ secret, s }) => {
          const direct = validationResponse([{ path: s, message: `unknown "${s}"` }], `Invalid: ${s}`);
          expectNoSlice([await direct.text()], secret);
          // A look-alike error whose fields were never scrubbed by this copy's constructor.
          const foreign = Object.assign(new Error(`nope ${s}`), {
            name: 'OatError',
            code: 'VALIDATION_FAILED',
            fields: [{ path: s, message: s }],
            context: {},
          });
          expectNoSlice([await responseForError(foreign).response.text()], secret);
          const forbidden = Object.assign(new Error(`"${s}" is not an owner`), {
            name: 'OatError',
            code: 'FORBIDDEN',
            fields: [],
            context: {},
          });
          expectNoSlice([await responseForError(forbidden).response.text()], secret);
        },
      ),
      { numRuns: 50 },
    );
  });
});
