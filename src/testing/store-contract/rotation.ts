import { describe, expect, it } from 'vitest';
import { createRotationPolicy, planRotation, type RotationPlan } from '../../core/rotation.js';
import type { AccessTokenRecord } from '../../core/token.js';
import { isOatError } from '../../errors.js';
import type { TokenRotationStore, TokenStore } from '../../service/ports.js';
import { interleave, seed, type FixtureOf } from './harness.js';
import { makeTestRecord, nextVersion } from './records.js';

const POLICY = createRotationPolicy({ maxGraceSeconds: 3_600, reuseRecordDays: 1 });
const MINUTE = 60_000;

/** The plan of rotating `record` a minute after its creation to the secret `tag` names, with ten minutes of grace. */
function rotation(record: AccessTokenRecord, tag: string): RotationPlan {
  return planRotation(
    record,
    { secretHash: `${record.secretHash}-${tag}`, displayPrefix: `oat_${tag.slice(0, 4)}` },
    record.createdAt + MINUTE,
    10 * MINUTE,
    POLICY,
  );
}

type RotatingStore = TokenStore & TokenRotationStore;

/**
 * Contract tests of the rotation capability: `rotate` is one guarded, atomic
 * write of the new secret and the retired one; `findRotatedSecret` finds the
 * retired one. Registered only for a store that declares `capabilities.rotation`.
 */
export function rotationContract(fixture: FixtureOf): void {
  const storeOf = (): RotatingStore => fixture().store as RotatingStore;

  describe('rotate and findRotatedSecret', () => {
    it(
      'rotate applies only at the expected version: the new hash finds the next version, the old one only ' +
        'the retired record',
      async () => {
        const store = storeOf();
        const v1 = makeTestRecord(1);
        await seed(store, [v1]);
        const plan = rotation(v1, 'new');
        await expect(store.rotate(plan, 2)).resolves.toEqual({ ok: false, code: 'CONFLICT' });
        expect(await store.findBySecretHash(v1.secretHash)).toEqual(v1);
        expect(await store.findRotatedSecret(v1.secretHash)).toBeNull();
        await expect(store.rotate(plan, 1)).resolves.toEqual({ ok: true });
        expect(await store.findBySecretHash(plan.next.secretHash)).toEqual(plan.next);
        await expect(store.findById(v1.id)).resolves.toEqual(plan.next);
        expect(await store.findBySecretHash(v1.secretHash)).toBeNull();
        expect(await store.findRotatedSecret(v1.secretHash)).toEqual(plan.retired);
        expect(await store.findRotatedSecret(plan.next.secretHash)).toBeNull();
        await expect(store.rotate(plan, 1)).resolves.toEqual({ ok: false, code: 'CONFLICT' });
      },
    );

    it('rotate writes only the secret hash, display prefix, updatedAt and version of the plan', async () => {
      const store = storeOf();
      const v1 = makeTestRecord(1);
      await seed(store, [v1]);
      // The plan is made from the record before these touches: its lastUsedAt and recentAddresses are stale.
      await store.touchLastUsed(v1.id, v1.createdAt + 1_000, v1.createdAt + 1_000, '192.0.2.1');
      await store.touchLastUsed(v1.id, v1.createdAt + 2_000, v1.createdAt, '2001:db8::1');
      const plan = rotation(v1, 'new');
      const tampered = { ...plan, next: { ...plan.next, label: 'not written', state: 'inactive' as const } };
      await expect(store.rotate(tampered, 1)).resolves.toEqual({ ok: true });
      await expect(store.findById(v1.id)).resolves.toEqual({
        ...plan.next,
        lastUsedAt: v1.createdAt + 1_000,
        recentAddresses: ['2001:db8::1', '192.0.2.1'],
      });
    });

    it('rotate ends the grace left to every earlier retired secret of the token, and only of it', async () => {
      const store = storeOf();
      const [v1, other] = [makeTestRecord(1), makeTestRecord(2)];
      await seed(store, [v1, other]);
      const first = rotation(v1, 'one');
      const untouched = rotation(other, 'two');
      await store.rotate(first, 1);
      await store.rotate(untouched, 1);
      // After a compromise: rotate again with no grace, two minutes later; the first grace had eight minutes left.
      const now = first.retired.rotatedAt + 2 * MINUTE;
      const second = planRotation(
        first.next,
        { secretHash: `${v1.secretHash}-two`, displayPrefix: 'oat_two' },
        now,
        0,
        POLICY,
      );
      await expect(store.rotate(second, 2)).resolves.toEqual({ ok: true });
      expect(await store.findRotatedSecret(v1.secretHash)).toEqual({ ...first.retired, graceEndsAt: now });
      expect(await store.findRotatedSecret(first.next.secretHash)).toEqual(second.retired);
      expect(await store.findRotatedSecret(other.secretHash)).toEqual(untouched.retired);
    });

    it('rotate of an unknown id is not-found, and of a deleted token a conflict', async () => {
      const store = storeOf();
      const v1 = makeTestRecord(1);
      await expect(store.rotate(rotation(v1, 'new'), 1)).resolves.toEqual({ ok: false, code: 'NOT_FOUND' });
      await seed(store, [v1]);
      await expect(store.replace(nextVersion(v1, { state: 'deleted' }), 1)).resolves.toEqual({ ok: true });
      const deleted = await store.findById(v1.id);
      await expect(store.rotate(rotation(deleted as AccessTokenRecord, 'new'), 2)).resolves.toEqual({
        ok: false,
        code: 'CONFLICT',
      });
      expect(await store.findRotatedSecret(v1.secretHash)).toBeNull();
    });

    it('a replace after a rotation keeps the new secret hash', async () => {
      const store = storeOf();
      const v1 = makeTestRecord(1);
      await seed(store, [v1]);
      const plan = rotation(v1, 'new');
      await store.rotate(plan, 1);
      const v3 = nextVersion(plan.next, { label: 'renamed', secretHash: v1.secretHash });
      await expect(store.replace(v3, 2)).resolves.toEqual({ ok: true });
      expect(await store.findBySecretHash(plan.next.secretHash)).toEqual({ ...v3, secretHash: plan.next.secretHash });
      expect(await store.findBySecretHash(v1.secretHash)).toBeNull();
    });

    it('rotate to a secret hash another token holds rejects with STORE_FAILURE and changes nothing', async () => {
      const store = storeOf();
      const [a, b] = [makeTestRecord(1), makeTestRecord(2)];
      await seed(store, [a, b]);
      const plan = planRotation(a, { secretHash: b.secretHash, displayPrefix: 'oat_dupe' }, a.createdAt, 0, POLICY);
      const error = await store.rotate(plan, 1).then(
        () => null,
        (e: unknown) => e,
      );
      expect(isOatError(error) && error.code).toBe('STORE_FAILURE');
      await expect(store.findById(a.id)).resolves.toEqual(a);
      expect(await store.findBySecretHash(b.secretHash)).toEqual(b);
    });

    it(
      'of two concurrent rotations expecting the same version, exactly one applies and only its ' + 'secret works',
      async () => {
        const store = storeOf();
        const v1 = makeTestRecord(1);
        await seed(store, [v1]);
        const [one, two] = [rotation(v1, 'one'), rotation(v1, 'two')];
        const outcomes = await Promise.all([store.rotate(one, 1), store.rotate(two, 1)]);
        expect(outcomes.filter((o) => o.ok)).toHaveLength(1);
        expect(outcomes.filter((o) => !o.ok)).toEqual([{ ok: false, code: 'CONFLICT' }]);
        const [winner, loser] = outcomes[0]?.ok === true ? [one, two] : [two, one];
        expect(await store.findBySecretHash(winner.next.secretHash)).toEqual(winner.next);
        expect(await store.findBySecretHash(loser.next.secretHash)).toBeNull();
        expect(await store.findRotatedSecret(loser.next.secretHash)).toBeNull();
        expect(await store.findRotatedSecret(v1.secretHash)).toEqual(winner.retired);
      },
    );

    it('of a rotation and a replace expecting the same version, exactly one applies', async () => {
      const store = storeOf();
      const v1 = makeTestRecord(1);
      await seed(store, [v1]);
      const plan = rotation(v1, 'new');
      const [rotated, replaced] = await Promise.all([
        store.rotate(plan, 1),
        store.replace(nextVersion(v1, { label: 'renamed' }), 1),
      ]);
      expect([rotated.ok, replaced.ok].filter(Boolean)).toHaveLength(1);
      expect([rotated, replaced].filter((o) => !o.ok)).toEqual([{ ok: false, code: 'CONFLICT' }]);
      const stored = await store.findById(v1.id);
      expect(stored).toEqual(rotated.ok ? plan.next : nextVersion(v1, { label: 'renamed' }));
    });

    it(
      'a login with the old secret during a rotation finds it exactly once: live at the old version, ' + 'or retired',
      async () => {
        const store = storeOf();
        const v1 = makeTestRecord(1);
        await seed(store, [v1]);
        const plan = rotation(v1, 'new');
        // A login reads the live hash, then on a miss the retired one; the rotation lands somewhere between logins.
        const login = async (): Promise<string> => {
          const live = await store.findBySecretHash(v1.secretHash);
          if (live !== null) return live.version === 1 ? 'live' : `live at version ${live.version}`;
          const retired = await store.findRotatedSecret(v1.secretHash);
          return retired !== null && retired.tokenId === v1.id ? 'retired' : 'lost';
        };
        const newLogin = async (): Promise<string> => {
          const live = await store.findBySecretHash(plan.next.secretHash);
          return live === null ? 'not yet' : live.version === 2 && live.id === v1.id ? 'new' : 'mixed';
        };
        const calls = interleave<() => Promise<unknown>>([
          Array.from({ length: 8 }, () => login),
          [() => store.rotate(plan, 1)],
          Array.from({ length: 8 }, () => newLogin),
        ]);
        const results = await Promise.all(calls.map((call) => call()));
        const seen = new Set(results.filter((r) => typeof r === 'string'));
        for (const r of seen) expect(['live', 'retired', 'not yet', 'new']).toContain(r);
        expect(await login()).toBe('retired');
        expect(await newLogin()).toBe('new');
      },
    );
  });
}
