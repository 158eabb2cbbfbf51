import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DOCKER_HUB_SCOPES } from '../../src/index.js';
import { createToken, START, startHub, type Reply } from './harness.js';

const EXPECTED = new Set([200, 201, 400, 403, 404, 409]);

const scope = fc.oneof(
  fc.constantFrom(...DOCKER_HUB_SCOPES.map((d) => d.name), 'repo-pull', 'push', 'scope-nope'),
  fc.string({ maxLength: 12 }),
);
const resource = fc.record(
  {
    type: fc.oneof(fc.constantFrom('TYPE_REPO', 'TYPE_ORG', 'repository', 'organization', 'TYPE_X'), fc.jsonValue()),
    path: fc.oneof(
      fc.constantFrom('acme/app', 'acme/*', '*/*/public', 'acme', 'small/app', 'other/app', 'ACME/App', ''),
      fc.string({ maxLength: 20 }),
    ),
    scopes: fc.oneof(fc.array(scope, { maxLength: 3 }), fc.jsonValue()),
  },
  { requiredKeys: [] },
);
const instant = fc.integer({ min: -400, max: 800 }).map((days) => new Date(START + days * 86_400_000).toISOString());

const validResource = fc.constantFrom(
  { type: 'TYPE_REPO', path: 'acme/app', scopes: ['scope-image-push'] },
  { type: 'TYPE_REPO', path: 'acme/*', scopes: ['repo-pull'] },
  { type: 'TYPE_REPO', path: '*/*/public', scopes: ['scope-image-pull'] },
  { type: 'TYPE_ORG', path: 'acme', scopes: ['scope-member-read'] },
);
/** Mostly a valid value, sometimes anything. */
const mostly = <T>(valid: fc.Arbitrary<T>, other: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: other });

const fields = {
  label: mostly(
    fc.constantFrom('ci', 'deploy'),
    fc.oneof(fc.constantFrom(' ', ''), fc.string({ maxLength: 110 }), fc.jsonValue()),
  ),
  description: mostly(fc.constantFrom(null, 'for CI'), fc.string({ maxLength: 210 })),
  resources: mostly(
    fc.uniqueArray(validResource, { minLength: 1, maxLength: 3, selector: (r) => r.path }),
    fc.oneof(fc.array(resource, { maxLength: 3 }), fc.jsonValue()),
  ),
  expires_at: mostly(fc.constant(null), fc.oneof(instant, fc.string({ maxLength: 10 }))),
  is_active: mostly(fc.boolean(), fc.jsonValue()),
};
const { expires_at: _expiry, ...updateFields } = fields;

/** Bodies that look like Hub requests: many valid, the rest a little or very wrong. */
function bodies(hubish: fc.Arbitrary<unknown>): fc.Arbitrary<{ raw: string }> {
  return fc.oneof(
    { weight: 6, arbitrary: hubish.map((value) => ({ raw: JSON.stringify(value) })) },
    { weight: 1, arbitrary: fc.record(fields, { requiredKeys: [] }).map((value) => ({ raw: JSON.stringify(value) })) },
    {
      weight: 1,
      arbitrary: fc
        .dictionary(fc.string({ maxLength: 8 }), fc.jsonValue(), { maxKeys: 3 })
        .map((value) => ({ raw: JSON.stringify(value) })),
    },
    { weight: 1, arbitrary: fc.jsonValue().map((value) => ({ raw: JSON.stringify(value) ?? 'null' })) },
    { weight: 1, arbitrary: fc.string({ maxLength: 40 }).map((raw) => ({ raw })) },
  );
}
const createBody = bodies(fc.record(fields, { requiredKeys: ['label', 'resources'] }));
const updateBody = bodies(fc.record(updateFields, { requiredKeys: [] }));
const actor = fc.oneof({ weight: 4, arbitrary: fc.constant('alice') }, { weight: 1, arbitrary: fc.constant('bob') });

function expectWellFormed(reply: Reply): void {
  expect(EXPECTED.has(reply.status), `status ${reply.status}: ${reply.text}`).toBe(true);
  expect(reply.headers.get('content-type')).toBe('application/json');
  expect(typeof reply.body).toBe('object');
  if (reply.status === 201) expect(typeof reply.body.token).toBe('string');
  if (reply.status === 200) expect(Array.isArray(reply.body.resources)).toBe(true);
  if (reply.status === 400)
    expect(typeof reply.body.text === 'string' && typeof reply.body.fields === 'object').toBe(true);
  if (reply.status >= 403)
    expect(typeof reply.body.detail === 'string' && typeof reply.body.message === 'string').toBe(true);
}

describe('Hub API: any JSON body gets a well-formed answer, never a 500', () => {
  it('POST answers 201, 400, 403, 404 or 409 with a JSON body', async () => {
    const hub = await startHub();
    await fc.assert(
      fc.asyncProperty(
        createBody,
        fc.oneof(
          { weight: 4, arbitrary: fc.constant('acme') },
          { weight: 1, arbitrary: fc.constantFrom('free', 'locked', 'nowhere') },
        ),
        actor,
        async ({ raw }, org, as) => {
          const reply = await hub.call('POST', `/v2/orgs/${org}/access-tokens`, {
            as,
            raw,
            headers: { 'content-type': 'application/json' },
          });
          expectWellFormed(reply);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('PATCH answers 200, 400, 403, 404 or 409 with a JSON body', async () => {
    const hub = await startHub({ policy: { lifecycle: 'docker-hub-current' } });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await createToken(hub)).id);
    ids.push('00000000-0000-4000-8000-000000000000');
    await fc.assert(
      fc.asyncProperty(updateBody, fc.constantFrom(...ids), actor, async ({ raw }, id, as) => {
        const reply = await hub.call('PATCH', `/v2/orgs/acme/access-tokens/${id}`, {
          as,
          raw,
          headers: { 'content-type': 'application/json' },
        });
        expectWellFormed(reply);
      }),
      { numRuns: 150 },
    );
  });
});
