import { describe, expect, it } from 'vitest';
import { HUB_ERROR_CODES, STATUS_OF_CODE } from '../../src/hub-api/index.js';
import { hubErrorCodeSchema } from '../../src/hub-api/wire.js';
import { MANAGEMENT_DENIAL_CODES, OAT_ERROR_CODES, type TokenService } from '../../src/index.js';
import { REPO_PULL, startHub } from './harness.js';

const SOME_ID = '00000000-0000-4000-8000-000000000000';

describe('Hub API: refusals are values, answered with their statuses', () => {
  // A wrapper whose throwing forms explode: every refusal below must come from a safe* result, never from an exception.
  const safeOnly = {
    wrap: (service: TokenService) => ({ ...service, create: boom, get: boom, list: boom, update: boom, delete: boom }),
  };
  function boom(): never {
    throw new TypeError('a throwing form was called');
  }

  it('answers every refusal of a safe* operation with its status and Hub body, calling no throwing form', async () => {
    const hub = await startHub(safeOnly);
    const created = await hub.call('POST', '/v2/orgs/acme/access-tokens', {
      as: 'alice',
      json: { label: 'ci', resources: [REPO_PULL] },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const cases: ReadonlyArray<readonly [string, string, { as: string; json?: unknown }, number, string]> = [
      ['POST', '/v2/orgs/acme/access-tokens', { as: 'alice', json: { label: 7 } }, 400, 'VALIDATION_FAILED'],
      [
        'POST',
        '/v2/orgs/acme/access-tokens',
        { as: 'bob', json: { label: 'ci', resources: [REPO_PULL] } },
        403,
        'FORBIDDEN',
      ],
      [
        'POST',
        '/v2/orgs/free/access-tokens',
        { as: 'alice', json: { label: 'ci', resources: [{ ...REPO_PULL, path: 'free/app' }] } },
        403,
        'PLAN_NOT_ELIGIBLE',
      ],
      [
        'POST',
        '/v2/orgs/locked/access-tokens',
        { as: 'alice', json: { label: 'ci', resources: [{ ...REPO_PULL, path: 'locked/app' }] } },
        403,
        'ORG_INCOMPATIBLE',
      ],
      ['GET', '/v2/orgs/acme/access-tokens', { as: 'bob' }, 403, 'FORBIDDEN'],
      ['GET', `/v2/orgs/acme/access-tokens/${SOME_ID}`, { as: 'alice' }, 404, 'NOT_FOUND'],
      ['PATCH', `/v2/orgs/acme/access-tokens/${id}`, { as: 'alice', json: { label: 7 } }, 400, 'VALIDATION_FAILED'],
      ['DELETE', `/v2/orgs/acme/access-tokens/${SOME_ID}`, { as: 'alice' }, 404, 'NOT_FOUND'],
      ['PATCH', `/v2/orgs/acme/access-tokens/${id}`, { as: 'alice', json: { is_active: false } }, 200, ''],
      [
        'PATCH',
        `/v2/orgs/acme/access-tokens/${id}`,
        { as: 'alice', json: { label: 'again' } },
        409,
        'TRANSITION_DENIED',
      ],
    ];
    for (const [method, path, options, status, code] of cases) {
      const reply = await hub.call(method, path, options);
      expect({ method, path, status: reply.status, code: reply.body?.code }).toEqual({
        method,
        path,
        status,
        code: code === '' ? undefined : code,
      });
    }
  });

  it(
    'answers a refusal with a code outside the table (a wrapper of its own) with 500 INTERNAL, ' + 'never 200',
    async () => {
      const odd = {
        wrap: (service: TokenService) => ({
          ...service,
          safeGet: async () => ({ ok: false, code: 'NOT_IN_THE_TABLE', message: 'odd' }) as never,
        }),
      };
      const hub = await startHub(odd);
      const reply = await hub.call('GET', `/v2/orgs/acme/access-tokens/${SOME_ID}`, { as: 'alice' });
      expect({ status: reply.status, code: reply.body?.code }).toEqual({ status: 500, code: 'INTERNAL' });
    },
  );

  it('maps every refusal code to a status below 500, and lists every code a body may carry', () => {
    for (const code of MANAGEMENT_DENIAL_CODES) expect([code, STATUS_OF_CODE[code] < 500]).toEqual([code, true]);
    for (const code of OAT_ERROR_CODES) expect(HUB_ERROR_CODES).toContain(code);
    expect(new Set(HUB_ERROR_CODES).size).toBe(HUB_ERROR_CODES.length);
  });

  it('describes error codes on the wire with HUB_ERROR_CODES itself: one list, in its order', () => {
    expect(hubErrorCodeSchema.options).toEqual([...HUB_ERROR_CODES]);
    expect(hubErrorCodeSchema.safeParse('NOT_IN_THE_LIST').success).toBe(false);
  });
});
