import fc from 'fast-check';
import type { Actor } from '../../core/access.js';
import type { TokenId } from '../../core/ids.js';
import type { OatErrorCode } from '../../errors.js';
import {
  ACTORS,
  DAY,
  LAST_USED_INTERVAL,
  actorFor,
  expectOutcome,
  fail,
  mayGrant,
  mayManage,
  nameOf,
  organizationOf,
  resolveName,
  statusIn,
  type ModelToken,
  type Role,
  type ServiceModel,
  type ServiceReal,
} from './world.js';
import { expectedLogin } from './commands.js';
import { NO_ADDRESS } from './networks.js';

/** The rotation settings of a model run: `createTokenService({ rotation: MODEL_ROTATION })`. */
export const MODEL_ROTATION = Object.freeze({ maxGraceSeconds: 3_600, reuseDetection: true, reuseRecordDays: 90 });

type ModelRetiredSecret = NonNullable<ModelToken['retired']>[number];

const retiredOf = (token: ModelToken): ReadonlyArray<ModelRetiredSecret> => token.retired ?? [];

/**
 * A manager (or not) rotates one of the model's tokens with a grace of
 * `graceSeconds` (over the bound: `VALIDATION_FAILED`). Authority as for
 * reactivation; only an active token rotates. On success the model's token
 * takes the new secret and keeps the old one as retired, and the graces of the
 * secrets retired before end now.
 */
class RotateCommand implements fc.AsyncCommand<ServiceModel, ServiceReal> {
  constructor(
    readonly pick: number,
    readonly role: Role,
    readonly graceSeconds: number,
  ) {}
  check = (m: Readonly<ServiceModel>) => m.tokens.length > 0;
  async run(m: ServiceModel, r: ServiceReal): Promise<void> {
    const token = m.tokens[this.pick % m.tokens.length] as ModelToken;
    const owner = organizationOf(m, token);
    const name = nameOf(owner);
    const named = resolveName(m, name);
    const actorName = actorFor(this.role, named ?? owner);
    const status = statusIn(token, m.now);
    const expected: OatErrorCode | null =
      named === null
        ? 'NOT_FOUND'
        : !mayManage(actorName, named)
          ? 'FORBIDDEN'
          : this.graceSeconds > MODEL_ROTATION.maxGraceSeconds
            ? 'VALIDATION_FAILED'
            : status === 'deleted' || named.id !== token.orgId
              ? 'NOT_FOUND'
              : status !== 'active'
                ? 'TRANSITION_DENIED'
                : !mayGrant(actorName, owner, token.grants, {})
                  ? 'FORBIDDEN'
                  : null;
    r.tally(expected === null ? 'rotate:ok' : `rotate:${expected}`);
    const events = r.events.length;
    const call = () =>
      r.service.rotate(ACTORS[actorName] as Actor, name, token.id, { graceSeconds: this.graceSeconds });
    const rotated = await expectOutcome(r, expected, call, this.toString());
    if (rotated === undefined) return;
    if (rotated.token.id !== token.id || rotated.token.organization !== name || rotated.token.state !== 'active')
      fail(`${this} handed out ${rotated.token.id} "${rotated.token.organization}" ${rotated.token.state}`);
    const event = r.events[r.events.length - 1];
    if (r.events.length !== events + 1 || event?.type !== 'access_token.rotate' || event.tokenId !== token.id)
      fail(`${this} did not emit exactly its access_token.rotate event`);
    const graceEndsAt = m.now + this.graceSeconds * 1000;
    const kept = graceEndsAt + MODEL_ROTATION.reuseRecordDays * DAY;
    const forgetAt = token.expiresAt === null ? kept : Math.max(graceEndsAt, Math.min(kept, token.expiresAt));
    // A rotation ends what is left of every earlier grace (TokenRotationStore.rotate).
    const earlier = retiredOf(token).map((old) => (old.graceEndsAt > m.now ? { ...old, graceEndsAt: m.now } : old));
    token.retired = [...earlier, { secret: token.secret, graceEndsAt, forgetAt }];
    token.secret = rotated.secret.reveal();
  }
  toString = () => `rotate(#${this.pick}, ${this.role}, ${this.graceSeconds}s)`;
}

/**
 * Logs in with a secret a rotation retired, under the token's current
 * organization name: in its grace as the token itself would; after it
 * `ROTATED` (and, reuse detection being on, an active token is deactivated);
 * once forgotten `NOT_FOUND`.
 */
class RetiredLoginCommand implements fc.AsyncCommand<ServiceModel, ServiceReal> {
  constructor(
    readonly pick: number,
    readonly which: number,
  ) {}
  check = (m: Readonly<ServiceModel>) => m.tokens.some((t) => retiredOf(t).length > 0);
  async run(m: ServiceModel, r: ServiceReal): Promise<void> {
    const rotated = m.tokens.filter((t) => retiredOf(t).length > 0);
    const token = rotated[this.pick % rotated.length] as ModelToken;
    const retired = retiredOf(token);
    // Counted from the newest: only the newest retired secret can still be in its grace.
    const old = retired[retired.length - 1 - (this.which % retired.length)] as ModelRetiredSecret;
    const name = nameOf(organizationOf(m, token));
    const expectedCode =
      m.now >= old.forgetAt
        ? 'NOT_FOUND'
        : m.now < old.graceEndsAt
          ? expectedLogin(m, token, name, NO_ADDRESS)
          : 'ROTATED';
    const result = await r.service.authenticate(name, old.secret);
    if ((result.ok ? null : result.code) !== expectedCode)
      fail(`${this} gave ${result.ok ? 'success' : result.code}, model says ${expectedCode ?? 'success'}`);
    r.tally(result.ok ? 'retired-login:ok' : `retired-login:${result.code}`);
    if (expectedCode === 'ROTATED' && statusIn(token, m.now) === 'active') token.state = 'inactive';
    await r.service.flush();
    if (result.ok) {
      if (result.principal.tokenId !== token.id) fail(`${this} logged in as ${result.principal.tokenId}`);
      if (token.lastUsedAt === null || m.now - token.lastUsedAt >= LAST_USED_INTERVAL) token.lastUsedAt = m.now;
    }
    const stored = await r.store.findById(token.id as TokenId);
    if (stored !== null && stored.state !== token.state)
      fail(`${this} left state ${stored.state}, model ${token.state}`);
    if ((stored?.lastUsedAt ?? null) !== token.lastUsedAt)
      fail(`lastUsedAt is ${String(stored?.lastUsedAt)}, model says ${String(token.lastUsedAt)}`);
  }
  toString = () => `authenticate(#${this.pick}, retired secret ${this.which} from the newest)`;
}

/** The rotation commands, for a run whose store has the rotation capability. */
export function rotationCommands(): Array<fc.Arbitrary<fc.AsyncCommand<ServiceModel, ServiceReal>>> {
  const pick = fc.oneof({ weight: 4, arbitrary: fc.nat({ max: 3 }) }, { weight: 1, arbitrary: fc.nat() });
  const role = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom<Role>('owner', 'company-owner', 'token-manager', 'pull-manager') },
    { weight: 1, arbitrary: fc.constant<Role>('outsider') },
  );
  // Mostly valid graces, mostly long enough to outlast a few commands: the coverage the runs must reach
  // (a retired secret logging in during its grace, and refused after it) is then drawn in nearly every run.
  const grace = fc.oneof(
    { weight: 9, arbitrary: fc.constantFrom(0, 30, 600, 3_600, 3_600) },
    { weight: 1, arbitrary: fc.constant(3_601) },
  );
  // Mostly the newest retired secret: a later rotation ends the graces of the older ones.
  const which = fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.nat({ max: 3 }) });
  const retiredLogin = fc.tuple(pick, which).map(([p, w]) => new RetiredLoginCommand(p, w));
  // Listed twice to be drawn twice as often: a login in a grace needs one soon after its rotation.
  return [fc.tuple(pick, role, grace).map(([p, a, g]) => new RotateCommand(p, a, g)), retiredLogin, retiredLogin];
}
