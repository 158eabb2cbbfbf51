import { describe, expect, it } from 'vitest';
import { createMemoryTokenStore, createTokenService, type TokenEvent } from '../../src/index.js';
import { TOKEN_BODY_LENGTH } from '../../src/core/format.js';
import { createFakeClock } from '../../src/testing/fake-clock.js';

const organizations = [{ id: 'acme', name: 'acme', plan: 'team', owners: ['alice'] }];

/** The `username` of the failure event one login with a garbage secret emits. */
async function auditedAs(username: string, tokenPrefix?: string): Promise<string | null> {
  const events: TokenEvent[] = [];
  const policy = tokenPrefix === undefined ? {} : { tokenPrefix };
  const service = createTokenService({
    store: createMemoryTokenStore(),
    clock: createFakeClock(),
    organizations,
    policy,
    events: { emit: (e) => events.push(e) },
  });
  expect(await service.authenticate(username, 'not-a-token')).toMatchObject({ ok: false });
  expect(events).toHaveLength(1);
  const [event] = events;
  if (event?.type !== 'access_token.authenticate' || event.outcome !== 'failure')
    throw new Error(`unexpected event ${JSON.stringify(event)}`);
  return event.username;
}

describe('the username a failed login audits', () => {
  // A token body is 30 characters: a longer "username" may be a secret pasted in the wrong field.
  it('is pinned to the token body length of 30', () => {
    expect(TOKEN_BODY_LENGTH).toBe(30);
  });

  it('keeps a name of exactly 30 characters and drops one of 31', async () => {
    const at = 'a'.repeat(29) + 'Z';
    expect(await auditedAs(at)).toBe('a'.repeat(29) + 'z');
    expect(await auditedAs(at + 'b')).toBeNull();
    expect(await auditedAs('x'.repeat(255))).toBeNull();
  });

  it('lower-cases a name it keeps', async () => {
    expect(await auditedAs('Acme-Builds')).toBe('acme-builds');
    expect(await auditedAs('ACME')).toBe('acme');
  });

  it(
    'drops a name that starts with the token prefix, whatever its case, and keeps one that only ' + 'comes close',
    async () => {
      expect(await auditedAs('oat_abc')).toBeNull();
      expect(await auditedAs('OAT_abc')).toBeNull();
      expect(await auditedAs('oat')).toBe('oat');
      expect(await auditedAs('oatabc')).toBe('oatabc');
      expect(await auditedAs('oa_t')).toBe('oa_t');
    },
  );

  it('compares with a custom prefix folded to lower case', async () => {
    expect(await auditedAs('dckr_oat_abc', 'Dckr_OAT_')).toBeNull();
    expect(await auditedAs('DCKR_OAT_abc', 'Dckr_OAT_')).toBeNull();
    // Under a custom prefix the default one is an ordinary name.
    expect(await auditedAs('oat_abc', 'Dckr_OAT_')).toBe('oat_abc');
    expect(await auditedAs('dckr_oat', 'Dckr_OAT_')).toBe('dckr_oat');
  });

  it('is null for what is not an organization name at all', async () => {
    expect(await auditedAs('')).toBeNull();
    expect(await auditedAs('acme/app')).toBeNull();
  });
});
