import { describe, expect, it } from 'vitest';
import {
  createTokenService,
  type BackgroundFaultContext,
  type OatError,
  type RawResource,
  type TokenEvent,
  type TokenService,
  type TokenStore,
} from '../../src/index.js';
import type { TokenId } from '../../src/core/ids.js';
import { createFakeClock } from '../../src/testing/fake-clock.js';

/** Ways a row is hand-edited or tampered with in the database. */
export type Tampering = 'member-edit' | 'other-org' | 'public-push' | 'unknown-scope' | 'malformed';

/** Stored grants (JSON text, as a SQL edit writes them) that no create request for `acme` could make. */
export const TAMPERED_GRANTS: Readonly<Record<Exclude<Tampering, 'malformed'>, string>> = {
  'member-edit': JSON.stringify([{ type: 'repository', path: 'acme/app', scopes: ['scope-member-edit'] }]),
  'other-org': JSON.stringify([{ type: 'repository', path: 'umbrella/app', scopes: ['scope-image-pull'] }]),
  'public-push': JSON.stringify([{ type: 'repository', path: '*/*/public', scopes: ['scope-image-push'] }]),
  'unknown-scope': JSON.stringify([{ type: 'repository', path: 'acme/app', scopes: ['scope-root'] }]),
};

/** A store, and a back door that edits one of its rows behind the service's back. */
export interface TrustWorld {
  readonly store: TokenStore;
  tamper(id: TokenId, how: Tampering): Promise<void>;
}

const owner = { username: 'alice' };
const goodGrants: RawResource[] = [{ type: 'repository', path: 'acme/app', scopes: ['scope-image-pull'] }];

async function scene(world: TrustWorld) {
  const events: TokenEvent[] = [];
  const reports: Array<{ error: OatError; context: BackgroundFaultContext }> = [];
  const service: TokenService = createTokenService({
    store: world.store,
    organizations: [{ name: 'acme', plan: 'team', owners: ['alice'] }],
    clock: createFakeClock(),
    events: { emit: (event) => events.push(event) },
    onError: (error, context) => reports.push({ error, context }),
  });
  const good = await service.create(owner, 'acme', { label: 'good', resources: goodGrants });
  const bad = await service.create(owner, 'acme', { label: 'bad', resources: goodGrants });
  return { service, events, reports, good, bad };
}

/**
 * The stored-trust scenario on one store: a tampered row never yields a
 * principal, the host learns the token id (never the hash), and the rest of
 * the organization keeps working.
 */
export function describeStoredTrust(
  name: string,
  setup: () => Promise<TrustWorld>,
  kinds: ReadonlyArray<Tampering>,
): void {
  describe(`stored records are not trusted for authority (${name})`, () => {
    it.each(kinds)(
      'a row with %s grants is refused at login as RECORD_INVALID, reported with its id and never its hash',
      async (how) => {
        const world = await setup();
        const { service, events, reports, good, bad } = await scene(world);
        await world.tamper(bad.token.id, how);

        const first = await service.authenticate('acme', bad.secret.reveal());
        const second = await service.authenticate('acme', bad.secret.reveal());
        expect(first).toEqual({ ok: false, code: 'RECORD_INVALID' });
        expect(second).toEqual({ ok: false, code: 'RECORD_INVALID' });

        const failures = events.filter((e) => e.type === 'access_token.authenticate' && e.outcome === 'failure');
        expect(failures).toHaveLength(2);
        for (const event of failures)
          expect(event).toMatchObject({ tokenId: bad.token.id, code: 'RECORD_INVALID', outcome: 'failure' });

        expect(reports.length).toBeGreaterThanOrEqual(1);
        for (const { error, context } of reports) {
          expect(context).toEqual({ operation: 'authenticate', tokenId: bad.token.id });
          expect(error.context).toMatchObject({ tokenId: bad.token.id });
        }
        // A readable record's verdict is cached per version: reported once however many logins find it.
        if (how !== 'malformed') expect(reports).toHaveLength(1);

        const seen = JSON.stringify([
          failures,
          reports.map(({ error, context }) => ({
            error,
            message: error.message,
            fields: error.fields,
            ctx: error.context,
            context,
          })),
        ]);
        expect(seen).not.toContain(bad.token.secretHash);
        expect(seen).not.toContain(bad.secret.reveal());

        // The rest of the organization is untouched.
        await expect(service.authenticate('acme', good.secret.reveal())).resolves.toMatchObject({
          ok: true,
          principal: { tokenId: good.token.id },
        });
        await service.flush();
      },
    );

    it.each(kinds)(
      'a row with %s grants does not stop the organization from listing: the others are listed and the ' +
        'unreadable counted',
      async (how) => {
        const world = await setup();
        const { service, good, bad } = await scene(world);
        await world.tamper(bad.token.id, how);
        const page = await service.list(owner, 'acme', { pageSize: 100 });
        expect(page.total).toBe(2);
        if (how === 'malformed') {
          expect(page.items.map((t) => t.id)).toEqual([good.token.id]);
          expect(page.unreadable).toBe(1);
        } else {
          // Grants that fail the authority check still parse: the token is listed, only its logins are refused.
          expect(page.items.map((t) => t.id).sort()).toEqual([good.token.id, bad.token.id].sort());
          expect(page.unreadable).toBe(0);
        }
      },
    );

    it.each(kinds)(
      'a purge deletes every token of the organization, the one with %s grants included, and frees its whole quota',
      async (how) => {
        const world = await setup();
        const { service, events, good, bad } = await scene(world);
        await world.tamper(bad.token.id, how);
        const unreadable = how === 'malformed' ? 1 : 0;
        await expect(service.purgeOrganization('acme')).resolves.toEqual({
          organizationId: 'acme',
          deleted: 2,
          unreadable,
        });
        await expect(world.store.countLive('acme' as never)).resolves.toBe(0);
        await expect(service.list(owner, 'acme', { pageSize: 100 })).resolves.toMatchObject({
          total: 0,
          unreadable: 0,
          items: [],
        });
        // An unreadable row has no record to name its organization in an event; the count above reports it.
        const purged = events.filter((e) => e.type === 'access_token.delete').map((e) => e.tokenId);
        expect(purged.sort()).toEqual((unreadable === 1 ? [good.token.id] : [good.token.id, bad.token.id]).sort());
        expect(JSON.stringify(events)).not.toContain(bad.token.secretHash);
        await expect(service.purgeOrganization('acme')).resolves.toEqual({
          organizationId: 'acme',
          deleted: 0,
          unreadable: 0,
        });
        expect((await service.authenticate('acme', bad.secret.reveal())).ok).toBe(false);
        await service.flush();
      },
    );

    it.each(kinds)(
      'an owner deletes a token with %s grants: the quota is freed, the event names it, and it is gone from ' +
        'listings and logins',
      async (how) => {
        const world = await setup();
        const { service, events, good, bad } = await scene(world);
        await world.tamper(bad.token.id, how);
        const deleted = await service.delete(owner, 'acme', bad.token.id);
        // An unreadable row is deleted without being read: there is no record to hand back.
        if (how === 'malformed') expect(deleted).toBeNull();
        else expect(deleted).toMatchObject({ id: bad.token.id, state: 'deleted' });
        await expect(world.store.countLive('acme' as never)).resolves.toBe(1);
        expect(events.filter((e) => e.type === 'access_token.delete')).toEqual([
          expect.objectContaining({ tokenId: bad.token.id, organization: 'acme', actor: 'alice' }),
        ]);
        expect(JSON.stringify(events)).not.toContain(bad.token.secretHash);
        await expect(service.list(owner, 'acme', { pageSize: 100 })).resolves.toMatchObject({
          total: 1,
          unreadable: 0,
          items: [{ id: good.token.id }],
        });
        await expect(service.delete(owner, 'acme', bad.token.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
        const login = await service.authenticate('acme', bad.secret.reveal());
        expect(login.ok).toBe(false);
        await expect(service.authenticate('acme', good.secret.reveal())).resolves.toMatchObject({ ok: true });
        await service.flush();
      },
    );
  });
}
