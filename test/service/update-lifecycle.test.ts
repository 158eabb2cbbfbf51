import { describe, expect, it } from 'vitest';
import {
  createMemoryTokenStore,
  createTokenService,
  type LifecyclePolicy,
  type TokenEvent,
  type TransitionRule,
  type TransitionSource,
} from '../../src/index.js';
import { SEED_LIFECYCLE } from '../../src/core/lifecycle.js';
import { createFakeClock } from '../../src/testing/fake-clock.js';
import type { CreateTokenRequest } from '../../src/index.js';

const organizations = [{ id: 'acme', name: 'acme', plan: 'team', owners: ['alice'] }];
const alice = { username: 'alice' };
const input: CreateTokenRequest = {
  label: 'ci',
  resources: [{ type: 'repository', path: 'acme/app', scopes: ['push'] }],
};

type Row = Partial<Record<'update' | 'deactivate' | 'reactivate' | 'delete', TransitionRule<string>>>;

/** The seed lifecycle with some cells replaced. */
function lifecycle(name: string, rows: Partial<Record<TransitionSource, Row>>): LifecyclePolicy<string> {
  const table: Record<TransitionSource, LifecyclePolicy<string>['table'][TransitionSource]> = {
    ...SEED_LIFECYCLE.table,
  };
  for (const [source, row] of Object.entries(rows) as Array<[TransitionSource, Row]>)
    table[source] = { ...table[source], ...row };
  return { name, table };
}

async function setup(policy: LifecyclePolicy<string>, start: 'active' | 'inactive' = 'active') {
  const store = createMemoryTokenStore();
  const events: TokenEvent[] = [];
  const service = createTokenService({
    store,
    clock: createFakeClock(),
    organizations,
    policy: { lifecycle: policy },
    events: { emit: (e) => events.push(e) },
  });
  const { token } = await service.create(alice, 'acme', input);
  const before = start === 'inactive' ? await service.deactivate(alice, 'acme', token.id) : token;
  events.length = 0;
  return { store, events, service, before, id: token.id };
}

describe('an update that changes the label and sets is_active, under a custom lifecycle', () => {
  // Editing is allowed only while active, so the edit must be decided before the deactivation.
  const editWhileActive = lifecycle('edit-while-active', { inactive: { update: { deny: 'EDIT_WHILE_ACTIVE' } } });

  it('decides and applies update before deactivate, in one write, with events in that order', async () => {
    const { store, events, service, before, id } = await setup(editWhileActive);
    const after = await service.update(alice, 'acme', id, { label: 'old builds', is_active: false });
    expect(after).toMatchObject({ label: 'old builds', state: 'inactive', version: before.version + 1 });
    expect(await store.findById(id)).toMatchObject({
      label: 'old builds',
      state: 'inactive',
      version: before.version + 1,
    });
    expect(events.map((e) => e.type)).toEqual(['access_token.update', 'access_token.deactivate']);
    expect(events[0]).toMatchObject({ changed: ['label'] });
  });

  it('decides each step from the state the previous step leads to', async () => {
    // An edit of an inactive token re-enables it, and reactivating an active token is refused:
    // so edit + is_active:true fails at the second step although each step alone is allowed.
    const editReactivates = lifecycle('edit-reactivates', {
      inactive: { update: { to: 'active' }, reactivate: { to: 'active' } },
    });
    const { store, events, service, before, id } = await setup(editReactivates, 'inactive');
    await expect(service.update(alice, 'acme', id, { label: 'back', is_active: true })).rejects.toMatchObject({
      code: 'TRANSITION_DENIED',
      context: { operation: 'reactivate', from: 'active', code: 'ALREADY_ACTIVE' },
    });
    expect(await store.findById(id)).toEqual(before);
    expect(events).toEqual([]);
    // Each step alone passes, so the refusal above came from the order.
    expect(await service.update(alice, 'acme', id, { label: 'back' })).toMatchObject({
      label: 'back',
      state: 'active',
    });
  });

  it('refuses the whole request when the second step is denied: nothing written, no event', async () => {
    const noDeactivate = lifecycle('no-deactivate', { active: { deactivate: { deny: 'KEEP_ACTIVE' } } });
    const { store, events, service, before, id } = await setup(noDeactivate);
    await expect(service.update(alice, 'acme', id, { label: 'renamed', is_active: false })).rejects.toMatchObject({
      name: 'OatError',
      code: 'TRANSITION_DENIED',
      context: { organization: 'acme', tokenId: id, operation: 'deactivate', from: 'active', code: 'KEEP_ACTIVE' },
    });
    expect(await store.findById(id)).toEqual(before);
    expect(events).toEqual([]);
  });

  it('refuses the whole request when the first step is denied: nothing written, no event', async () => {
    const frozenLabels = lifecycle('frozen-labels', { active: { update: { deny: 'LABELS_ARE_FINAL' } } });
    const { store, events, service, before, id } = await setup(frozenLabels);
    await expect(service.update(alice, 'acme', id, { label: 'renamed', is_active: false })).rejects.toMatchObject({
      code: 'TRANSITION_DENIED',
      context: { operation: 'update', from: 'active', code: 'LABELS_ARE_FINAL' },
    });
    expect(await store.findById(id)).toEqual(before);
    expect(events).toEqual([]);
    // The deactivation alone is allowed: the refusal was of the request as a whole.
    expect(await service.update(alice, 'acme', id, { is_active: false })).toMatchObject({
      label: 'ci',
      state: 'inactive',
    });
  });
});
