import fc from 'fast-check';
import type { Actor } from '../../core/access.js';
import type { TokenId } from '../../core/ids.js';
import type { TokenState, TokenStatus } from '../../core/token.js';
import type { OatErrorCode } from '../../errors.js';
import { identityCommands } from './directory-commands.js';
import { leakCommand } from './leak-command.js';
import {
  NETWORK_SPELLINGS,
  NO_ADDRESS,
  modelAddressArbitrary,
  modelAllows,
  type ModelAddress,
  type NetworkChoice,
} from './networks.js';
import {
  ACTORS,
  DAY,
  GRANTS,
  RANK,
  mayGrant,
  resourcesOf,
  type GrantSet,
  LAST_USED_INTERVAL,
  MODEL_ORGANIZATIONS,
  ORGS,
  actorFor,
  expectOutcome,
  capOf,
  fail,
  formerNameOf,
  holderOf,
  limitOf,
  live,
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

/** A command of the model; see `tour` and `serviceModelCommands`. */
export class CreateCommand implements fc.AsyncCommand<ServiceModel, ServiceReal> {
  constructor(
    readonly org: string,
    readonly role: Role,
    readonly expiry: 'none' | '30d' | '90d',
    readonly grants: GrantSet = 'default',
    readonly networks: NetworkChoice = 'anywhere',
  ) {}
  check = () => true;
  async run(m: ServiceModel, r: ServiceReal): Promise<void> {
    const org = holderOf(m, this.org);
    const name = nameOf(org);
    const actor = actorFor(this.role, org);
    const grants = GRANTS[this.grants];
    const beyond = !mayGrant(actor, org, grants, {});
    const cap = capOf(org);
    const tooLong = cap !== null && (this.expiry === 'none' || (this.expiry === '90d' ? 90 : 30) > cap);
    const expected: OatErrorCode | null = !mayManage(actor, org)
      ? 'FORBIDDEN'
      : MODEL_ORGANIZATIONS[org.slot]?.imageAccessManagement === true
        ? 'ORG_INCOMPATIBLE'
        : tooLong
          ? 'VALIDATION_FAILED'
          : beyond
            ? 'FORBIDDEN'
            : limitOf(org) === 0
              ? 'PLAN_NOT_ELIGIBLE'
              : live(m, org.id) >= limitOf(org)
                ? 'QUOTA_EXCEEDED'
                : null;
    const input = {
      label: `token ${m.tokens.length}`,
      expiry: this.expiry,
      resources: resourcesOf(name, grants),
      ...(this.networks === 'anywhere' ? {} : { allowedNetworks: NETWORK_SPELLINGS[this.networks] }),
    };
    r.tally(
      expected === 'FORBIDDEN' && beyond && mayManage(actor, org)
        ? 'BEYOND_CEILING'
        : expected === 'VALIDATION_FAILED'
          ? 'LIFETIME_CAP'
          : (expected ?? 'create:ok'),
    );
    const created = await expectOutcome(
      r,
      expected,
      () => r.service.create(ACTORS[actor] as Actor, name, input),
      this.toString(),
    );
    if (created === undefined) return;
    if (created.token.organizationId !== org.id || created.token.organization !== name)
      fail(
        `${this} made a token of ${created.token.organizationId} "${created.token.organization}", model says ` +
          `${org.id} "${name}"`,
      );
    const days = this.expiry === '30d' ? 30 : this.expiry === '90d' ? 90 : null;
    m.tokens.push({
      id: created.token.id,
      orgId: org.id,
      createdUnder: name,
      createdAt: m.now,
      state: 'active',
      expiresAt: days === null ? null : m.now + days * DAY,
      secret: created.secret.reveal(),
      lastUsedAt: null,
      label: input.label,
      grants,
      networks: this.networks,
    });
  }
  toString = () => `create(${this.org}, ${this.role}, ${this.expiry}, ${this.grants}, ${this.networks})`;
}

type Operation = 'update' | 'deactivate' | 'reactivate' | 'delete';

/** The model's own statement of each lifecycle, written out rather than read from the library's tables. */
function expectedTransition(
  lifecycle: ServiceModel['lifecycle'],
  status: TokenStatus,
  op: Operation,
): TokenState | 'denied' | 'gone' {
  if (status === 'deleted') return 'gone';
  if (op === 'delete') return 'deleted';
  if (status === 'expired') return 'denied';
  if (op === 'deactivate') return status === 'active' ? 'inactive' : 'denied';
  if (op === 'reactivate') return lifecycle === 'docker-hub-current' && status === 'inactive' ? 'active' : 'denied';
  return status === 'active' || lifecycle === 'docker-hub-current' ? status : 'denied';
}

/** What an update asks for: a new label, Docker Hub's `is_active`, or both. */
interface UpdateRequest {
  readonly label?: string;
  readonly active?: boolean;
  readonly grants?: GrantSet;
  readonly networks?: NetworkChoice;
}

const sameGrants = (a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>): boolean =>
  JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

/** A command of the model; see `tour` and `serviceModelCommands`. */
export class TransitionCommand implements fc.AsyncCommand<ServiceModel, ServiceReal> {
  constructor(
    readonly op: Operation,
    readonly pick: number,
    readonly role: Role,
    readonly update: UpdateRequest = {},
    /** The name the request uses: the organization's current one, or the one before its last rename. */
    readonly via: 'current' | 'former' = 'current',
  ) {}
  check = (m: Readonly<ServiceModel>) => m.tokens.length > 0;
  async run(m: ServiceModel, r: ServiceReal): Promise<void> {
    const token = m.tokens[this.pick % m.tokens.length] as ModelToken;
    const owner = organizationOf(m, token);
    const name = this.via === 'former' ? formerNameOf(owner) : nameOf(owner);
    // The organization the request names, which may be another one (the name was given away) or none.
    const named = resolveName(m, name);
    const status = statusIn(token, m.now);
    // The operations the request asks for; an update that changes nothing asks for none.
    const ops: Operation[] = [];
    if (this.op !== 'update') ops.push(this.op);
    else {
      const regrant = this.update.grants !== undefined && !sameGrants(GRANTS[this.update.grants], token.grants);
      const renet = this.update.networks !== undefined && this.update.networks !== token.networks;
      if ((this.update.label !== undefined && this.update.label !== token.label) || regrant || renet)
        ops.push('update');
      if (this.update.active === false && token.state !== 'inactive') ops.push('deactivate');
      if (this.update.active === true && token.state !== 'active') ops.push('reactivate');
    }
    let next: TokenState | 'denied' | 'gone' = status === 'deleted' ? 'gone' : token.state;
    let from: TokenStatus = status;
    for (const op of ops) {
      if (next === 'gone' || next === 'denied') break;
      next = expectedTransition(m.lifecycle, from, op);
      if (next !== 'gone' && next !== 'denied') from = next === token.state ? status : next;
    }
    const empty =
      this.op === 'update' &&
      this.update.label === undefined &&
      this.update.active === undefined &&
      this.update.grants === undefined &&
      this.update.networks === undefined;
    const actorName = named === null ? actorFor(this.role, owner) : actorFor(this.role, named);
    const wanted = this.op === 'update' && this.update.grants !== undefined ? GRANTS[this.update.grants] : token.grants;
    const beyond =
      ops.includes('update') && !sameGrants(wanted, token.grants) && !mayGrant(actorName, owner, wanted, token.grants);
    // Reactivating hands the token's grants out again: the actor must be able to grant all of them.
    const reviving = ops.includes('reactivate') && !mayGrant(actorName, owner, token.grants, {});
    const elsewhere = named === null || named.id !== token.orgId;
    const expected: OatErrorCode | null =
      named === null
        ? 'NOT_FOUND'
        : !mayManage(actorName, named)
          ? 'FORBIDDEN'
          : next === 'gone' || elsewhere
            ? 'NOT_FOUND'
            : empty
              ? 'VALIDATION_FAILED'
              : beyond
                ? 'FORBIDDEN'
                : next === 'denied'
                  ? 'TRANSITION_DENIED'
                  : reviving
                    ? 'FORBIDDEN'
                    : null;
    r.tally(
      expected === 'NOT_FOUND' && elsewhere && name !== nameOf(owner)
        ? 'manage:former-name'
        : expected === 'FORBIDDEN' && (beyond || reviving) && mayManage(actorName, owner)
          ? 'BEYOND_CEILING'
          : (expected ?? `${this.op}:ok`),
    );
    const actor = ACTORS[actorName] as Actor;
    const call = () =>
      this.op === 'update'
        ? r.service.update(actor, name, token.id, {
            ...(this.update.label === undefined ? {} : { label: this.update.label }),
            ...(this.update.active === undefined ? {} : { is_active: this.update.active }),
            ...(this.update.grants === undefined ? {} : { resources: resourcesOf(name, GRANTS[this.update.grants]) }),
            ...(this.update.networks === undefined ? {} : { allowedNetworks: NETWORK_SPELLINGS[this.update.networks] }),
          })
        : r.service[this.op](actor, name, token.id);
    const record = await expectOutcome(r, expected, call, this.toString());
    // `null`: a delete of an unreadable row, which the model's stores never hold.
    if (record === undefined || record === null || next === 'gone' || next === 'denied' || empty) return;
    if (record.state !== next) fail(`${this} left state ${record.state}, expected ${next}`);
    if (record.organization !== name || record.resources.some((res) => !res.path.startsWith(`${name}/`)))
      fail(`${this} handed out the token under "${record.organization}", model says "${name}"`);
    token.state = next;
    if (ops.includes('update') && this.update.label !== undefined) token.label = this.update.label;
    if (ops.includes('update')) token.grants = wanted;
    if (ops.includes('update') && this.update.networks !== undefined) token.networks = this.update.networks;
  }
  toString = () =>
    `${this.op}(#${this.pick}, ${this.role}` +
    `${this.op === 'update' ? `, ${JSON.stringify(this.update)}` : ''}` +
    `${this.via === 'former' ? ', former name' : ''})`;
}

/**
 * The model's login rules for a token presented under `name` with its real
 * secret: the name resolves to whoever holds it now, and only the token's own
 * organization id passes; then state, expiry and the current lifetime cap.
 */
export function expectedLogin(
  m: Readonly<ServiceModel>,
  token: ModelToken,
  name: string,
  address: ModelAddress,
): string | null {
  const named = resolveName(m, name);
  // Nobody holds the name: the service tells the name the token was created under from any other, for logs.
  if (named === null) return name === token.createdUnder ? 'ORGANIZATION_UNKNOWN' : 'ORG_MISMATCH';
  if (named.id !== token.orgId) return 'ORG_MISMATCH';
  const status = statusIn(token, m.now);
  if (status !== 'active') return status.toUpperCase();
  const cap = capOf(named);
  if (cap !== null && m.now > token.createdAt + cap * DAY) return 'LIFETIME_EXCEEDED';
  return modelAllows(token.networks, address) ? null : 'NETWORK_NOT_ALLOWED';
}

/** A command of the model; see `tour` and `serviceModelCommands`. */
export class AuthenticateCommand implements fc.AsyncCommand<ServiceModel, ServiceReal> {
  constructor(
    readonly pick: number | 'newest',
    readonly username: 'same' | 'upper' | 'other' | 'former' | 'swapped',
    readonly secret: 'real' | 'corrupted' | 'unknown',
    readonly address: ModelAddress = NO_ADDRESS,
  ) {}
  check = (m: Readonly<ServiceModel>) => m.tokens.length > 0;
  async run(m: ServiceModel, r: ServiceReal): Promise<void> {
    const token = m.tokens[this.pick === 'newest' ? m.tokens.length - 1 : this.pick % m.tokens.length] as ModelToken;
    const owner = organizationOf(m, token);
    // The organization's current name; for one that left the directory, its last name (now someone else's, or
    // nobody's).
    const current = nameOf(owner);
    const former = formerNameOf(owner);
    const other = m.organizations
      .map(nameOf)
      .find((n) => n !== current && n !== former && resolveName(m, n) !== null) as string;
    const secret =
      this.secret === 'real'
        ? token.secret
        : this.secret === 'unknown'
          ? r.service.policy.format.generate(r.random)
          : token.secret.slice(0, -1) + (token.secret.endsWith('A') ? 'B' : 'A');
    const name = { same: current, upper: current, other, former, swapped: current }[this.username];
    const username = this.username === 'upper' ? name.toUpperCase() : this.username === 'swapped' ? secret : name;
    const context = this.address.text === undefined ? undefined : { address: this.address.text };
    const result =
      this.username === 'swapped'
        ? await r.service.authenticate(secret, current, context)
        : await r.service.authenticate(username, secret, context);
    const expectedCode =
      this.username === 'swapped' || this.secret === 'corrupted'
        ? 'MALFORMED'
        : this.secret === 'unknown'
          ? 'NOT_FOUND'
          : expectedLogin(m, token, name, this.address);
    if ((result.ok ? null : result.code) !== expectedCode)
      fail(`${this} gave ${result.ok ? 'success' : result.code}, model says ${expectedCode ?? 'success'}`);
    r.tally(result.ok ? 'login:ok' : `login:${result.code}`);
    // The login does not wait for its last-used write; the model checks the write once it has landed.
    await r.service.flush();
    const stored = await r.store.findById(token.id as TokenId);
    if (result.ok) {
      if (token.lastUsedAt === null || m.now - token.lastUsedAt >= LAST_USED_INTERVAL) token.lastUsedAt = m.now;
      const p = result.principal;
      // Grants read under the current name only: a repository under a former name is another organization's now.
      const checks: Array<[string, string, boolean]> = [[`${other}/app`, 'pull', false]];
      if (former !== current) checks.push([`${former}/app`, 'pull', false]);
      for (const repo of ['app', 'web', 'other']) {
        for (const action of ['pull', 'push', 'delete'] as const)
          checks.push([`${current}/${repo}`, action, (token.grants[repo] ?? 0) >= RANK[action]]);
      }
      for (const [repository, action, allowed] of checks) {
        if (r.service.authorize(p, { repository, visibility: 'private' }, action).allowed !== allowed)
          fail(`authorize(${repository}, ${action}) should be ${allowed}`);
      }
      if (p.organization !== current || p.organizationId !== token.orgId || p.tokenId !== token.id)
        fail('principal names the wrong organization or token');
    }
    // A successful login from an IPv4 client leaves its dotted quad among the recent addresses, mapped or not.
    const recorded = this.address.recordedAs;
    if (result.ok && recorded !== undefined && !(stored?.recentAddresses ?? []).includes(recorded))
      fail(`${this} left recent addresses ${JSON.stringify(stored?.recentAddresses)}, without ${recorded}`);
    const storedUse = stored?.lastUsedAt ?? null;
    if (storedUse !== token.lastUsedAt)
      fail(`lastUsedAt is ${String(storedUse)}, model says ${String(token.lastUsedAt)}`);
  }
  toString = () =>
    `authenticate(#${this.pick}, ${this.username}, ${this.secret}, ${this.address.text ?? 'no address'})`;
}

/** A command of the model; see `tour` and `serviceModelCommands`. */
export class ListCommand implements fc.AsyncCommand<ServiceModel, ServiceReal> {
  constructor(
    readonly org: string,
    readonly status: TokenStatus | undefined,
  ) {}
  check = () => true;
  async run(m: ServiceModel, r: ServiceReal): Promise<void> {
    const org = holderOf(m, this.org);
    const name = nameOf(org);
    const page = await r.service.list(ACTORS[actorFor('owner', org)] as Actor, name, {
      pageSize: 100,
      ...(this.status ? { status: this.status } : {}),
    });
    const want = m.tokens
      .filter(
        (t) =>
          t.orgId === org.id &&
          (this.status === undefined ? statusIn(t, m.now) !== 'deleted' : statusIn(t, m.now) === this.status),
      )
      .map((t) => t.id)
      .sort();
    const got = page.items.map((t) => t.id).sort();
    if (page.total !== want.length || JSON.stringify(got) !== JSON.stringify(want))
      fail(`${this} listed ${got.length} of ${page.total}, model says ${want.length}`);
    // Every token reads under the name it was listed under, whatever name its row was written with.
    if (page.items.some((t) => t.organization !== name || t.resources.some((res) => !res.path.startsWith(`${name}/`))))
      fail(`${this} handed out a token under a name other than "${name}"`);
  }
  toString = () => `list(${this.org}, ${this.status ?? 'live'})`;
}

/** A command of the model; see `tour` and `serviceModelCommands`. */
export class AdvanceClockCommand implements fc.AsyncCommand<ServiceModel, ServiceReal> {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(m: ServiceModel, r: ServiceReal): Promise<void> {
    m.now += this.ms;
    r.clock.advance(this.ms);
  }
  toString = () => `advance(${this.ms}ms)`;
}

/**
 * Command arbitraries for `fc.commands`: creates, every transition, logins, listings and clock moves, success and
 * failure mixed.
 */
export function serviceModelCommands(): Array<fc.Arbitrary<fc.AsyncCommand<ServiceModel, ServiceReal>>> {
  const role = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom<Role>('owner', 'company-owner', 'token-manager', 'pull-manager') },
    { weight: 1, arbitrary: fc.constant<Role>('outsider') },
  );
  const grants = fc.constantFrom<GrantSet>('narrow', 'default', 'wide');
  // Mostly unrestricted, so the other paths keep being reached by logins from any address.
  const networks = fc.oneof(
    { weight: 3, arbitrary: fc.constant<NetworkChoice>('anywhere') },
    { weight: 2, arbitrary: fc.constantFrom<NetworkChoice>('v4', 'v6', 'both') },
  );
  // Mostly the first few tokens, so operations and logins meet the same token often.
  const pick = fc.oneof({ weight: 4, arbitrary: fc.nat({ max: 3 }) }, { weight: 1, arbitrary: fc.nat() });
  const org = fc.oneof(
    { weight: 3, arbitrary: fc.constant('acme') },
    { weight: 2, arbitrary: fc.constantFrom(...ORGS) },
  );
  const create = fc
    .tuple(org, role, fc.constantFrom('none', '30d', '90d') as fc.Arbitrary<'none' | '30d' | '90d'>, grants, networks)
    .map(([o, a, e, g, n]) => new CreateCommand(o, a, e, g, n));
  const transition = fc
    .tuple(
      fc.constantFrom<Operation>('update', 'deactivate', 'reactivate', 'delete'),
      pick,
      role,
      fc.record(
        { label: fc.constantFrom('ci', 'renamed', 'token 0'), active: fc.boolean(), grants, networks },
        { requiredKeys: [] },
      ),
      fc.constantFrom<'current' | 'former'>('current', 'current', 'current', 'former'),
    )
    .map(([op, p, a, u, v]) => new TransitionCommand(op, p, a, u, v));
  const authenticate = fc
    .tuple(
      pick,
      fc.constantFrom('same', 'same', 'same', 'upper', 'other', 'former', 'swapped') as fc.Arbitrary<
        'same' | 'upper' | 'other' | 'former' | 'swapped'
      >,
      fc.constantFrom('real', 'real', 'real', 'corrupted', 'unknown') as fc.Arbitrary<'real' | 'corrupted' | 'unknown'>,
      modelAddressArbitrary(),
    )
    .map(([p, u, c, a]) => new AuthenticateCommand(p, u, c, a));
  const list = fc
    .tuple(
      fc.constantFrom(...ORGS),
      fc.option(fc.constantFrom<TokenStatus>('active', 'inactive', 'expired', 'deleted'), { nil: undefined }),
    )
    .map(([o, s]) => new ListCommand(o, s));
  // Small steps cross the last-used interval; a month's step expires the 30-day tokens.
  const advance = fc
    .oneof(fc.constantFrom(1_000, 30_000, 61_000, 31 * DAY), fc.integer({ min: 0, max: 100 * DAY }))
    .map((ms) => new AdvanceClockCommand(ms));
  // Creates and logins twice as often as the rest, so runs reach the quota and the login denials; the
  // directory's changes share one slot, so they stay rare enough for tokens to pile up between them.
  return [
    create,
    create,
    transition,
    authenticate,
    authenticate,
    list,
    advance,
    fc.oneof(...identityCommands()),
    leakCommand(),
  ];
}
