import { describe, expect, it } from 'vitest';
import {
  LEAK_ACTOR,
  createMemoryTokenStore,
  createTokenService,
  fingerprintOf,
  type AccessTokenRecord,
  type TokenEvent,
  type TokenId,
} from '../../src/index.js';
import { createFakeClock } from '../../src/testing/fake-clock.js';

const organizations = [{ id: 'org-1', name: 'acme', plan: 'team', owners: ['alice'] }];
const alice = { username: 'alice' };
const URL_FOUND = 'https://github.com/octo/app/blob/0123456789abcdef0123456789abcdef01234567/.env';
const SECOND = 1_000;
const DAY = 24 * 3600 * SECOND;

/** A token rotated with a grace of an hour: its old secret is retired but still logs in. */
async function rotatedToken() {
  const store = createMemoryTokenStore();
  const clock = createFakeClock();
  const events: TokenEvent[] = [];
  const service = createTokenService({
    store,
    clock,
    organizations,
    events: { emit: (event) => events.push(event) },
    rotation: { maxGraceSeconds: 3_600, reuseRecordDays: 1 },
  });
  const created = await service.create(alice, 'acme', {
    label: 'ci',
    resources: [{ type: 'repository', path: 'acme/app', scopes: ['pull'] }],
  });
  const rotated = await service.rotate(alice, 'acme', created.token.id, { graceSeconds: 3_600 });
  events.length = 0;
  const stored = async () => (await store.findById(created.token.id as TokenId)) as AccessTokenRecord;
  const old = created.secret.reveal();
  return { service, clock, events, stored, id: created.token.id, old, oldHash: created.token.secretHash, rotated };
}

describe('reportLeaked with rotation: a retired secret is still ours', () => {
  it('a secret in its grace deactivates its token, is true_positive, and no longer logs in', async () => {
    const { service, clock, events, stored, id, old, oldHash, rotated } = await rotatedToken();
    expect((await service.authenticate('acme', old)).ok).toBe(true);
    events.length = 0;
    clock.advance(SECOND);

    const result = await service.reportLeaked(old, { url: URL_FOUND, source: 'content' });

    expect(result).toEqual({
      ok: true,
      value: {
        label: 'true_positive',
        action: 'DEACTIVATED',
        tokenId: id,
        organizationId: 'org-1',
        organization: 'acme',
      },
    });
    expect(await stored()).toMatchObject({ state: 'inactive', version: rotated.token.version + 1 });
    expect(events).toEqual([
      {
        type: 'access_token.deactivate',
        at: clock.now(),
        organization: 'acme',
        tokenId: id,
        fingerprint: fingerprintOf(rotated.token.secretHash),
        actor: LEAK_ACTOR,
      },
      {
        type: 'access_token.leaked',
        at: clock.now(),
        organization: 'acme',
        organizationId: 'org-1',
        tokenId: id,
        fingerprint: fingerprintOf(oldHash),
        url: URL_FOUND,
        source: 'content',
        action: 'DEACTIVATED',
      },
    ]);
    expect((await service.authenticate('acme', old)).ok).toBe(false);
    expect((await service.authenticate('acme', rotated.secret.reveal())).ok).toBe(false);
  });

  it('a secret past its grace but still recorded deactivates its token too', async () => {
    const { service, clock, stored, id, old } = await rotatedToken();
    clock.advance(2 * 3_600 * SECOND);
    expect(await service.authenticate('acme', old)).toMatchObject({ ok: false, code: 'ROTATED' });

    const result = await service.reportLeaked(old, { url: URL_FOUND, source: 'content' });

    expect(result).toMatchObject({ ok: true, value: { label: 'true_positive', action: 'DEACTIVATED', tokenId: id } });
    expect((await stored()).state).toBe('inactive');
  });

  it('in report mode only reports: the token stays active and the secret in its grace still logs in', async () => {
    const { service, events, stored, id, old, oldHash } = await rotatedToken();

    const result = await service.reportLeaked(old, { url: URL_FOUND, source: 'content', mode: 'report' });

    expect(result).toMatchObject({ ok: true, value: { label: 'true_positive', action: 'REPORTED', tokenId: id } });
    expect((await stored()).state).toBe('active');
    expect(events).toMatchObject([
      { type: 'access_token.leaked', action: 'REPORTED', fingerprint: fingerprintOf(oldHash) },
    ]);
    expect((await service.authenticate('acme', old)).ok).toBe(true);
  });

  it('a retired secret no longer recorded (past forgetAt) is a false_positive, as a login finds nothing', async () => {
    const { service, clock, stored, old } = await rotatedToken();
    clock.advance(3 * DAY);

    const result = await service.reportLeaked(old, { url: URL_FOUND, source: 'content' });

    expect(result).toMatchObject({ ok: true, value: { label: 'false_positive', action: 'NONE' } });
    expect((await stored()).state).toBe('active');
  });
});
