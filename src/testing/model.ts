import { inspect } from 'node:util';
import fc from 'fast-check';
import type { Actor, OrganizationProfile } from '../core/access.js';
import type { OrganizationName, TokenId } from '../core/ids.js';
import { createPolicy } from '../core/policy.js';
import type { TokenState, TokenStatus } from '../core/token.js';
import { isOatError, type OatErrorCode } from '../errors.js';
import type { TokenEvent, TokenStore } from '../service/ports.js';
import { createTokenService, type TokenService } from '../service/service.js';
import { createFakeClock, type FakeClock } from './fake-clock.js';

/** Options for {@link checkTokenServiceModel}. */
export interface ServiceModelOptions {
  /** A fresh, empty store for each run; `cleanup` runs after the run. */
  readonly makeStore: () => Promise<{ readonly store: TokenStore; readonly cleanup?: () => Promise<void> }>;
  /** Default `seed`. */
  readonly lifecycle?: 'seed' | 'docker-hub-current';
  /** Default 100. */
  readonly numRuns?: number;
  /** Most commands per run. Default 40. */
  readonly maxCommands?: number;
  /** Pass a seed to replay a failure. */
  readonly seed?: number;
}

/** One token as the model sees it. */
interface ModelToken {
  readonly id: string;
  readonly org: string;
  state: TokenState;
  readonly expiresAt: number | null;
  readonly secret: string;
  lastUsedAt: number | null;
  label: string;
}

/** The simple model the service is checked against. */
export interface ServiceModel {
  readonly tokens: ModelToken[];
  now: number;
  readonly lifecycle: 'seed' | 'docker-hub-current';
}

/** The system under test, with what it has said so far. */
export interface ServiceReal {
  readonly service: TokenService;
  readonly store: TokenStore;
  readonly clock: FakeClock;
  readonly events: TokenEvent[];
  /** Errors thrown by operations, to check they never hold a secret. */
  readonly errors: unknown[];
  /** Counts an outcome, so a run can show which paths it exercised. */
  readonly tally: (outcome: string) => void;
}

const DAY = 24 * 3600 * 1000;
const LAST_USED_INTERVAL = 60_000;
const PLANS = { small: { maxTokens: 3 }, team: { maxTokens: 10 } } as const;

/** The organizations the model runs on: one per rule worth exercising. */
export const MODEL_ORGANIZATIONS: ReadonlyArray<OrganizationProfile> = Object.freeze([
  { name: 'acme', plan: 'small', owners: ['alice'] },
  { name: 'globex', plan: 'team', owners: ['bob'], company: { name: 'corp', owners: ['carol'] } },
  { name: 'initech', plan: 'free', owners: ['alice'] },
  { name: 'umbrella', plan: 'team', owners: ['alice'], imageAccessManagement: true },
]);
const ORGS = MODEL_ORGANIZATIONS.map((o) => o.name);
const ACTORS: Readonly<Record<string, Actor>> = {
  alice: { username: 'alice' },
  bob: { username: 'BOB' },
  carol: { username: 'carol' },
  eve: { username: 'eve', permissions: ['manage-organization-access-tokens'] },
  mallory: { username: 'mallory' },
};

const profileOf = (org: string): OrganizationProfile => MODEL_ORGANIZATIONS.find((o) => o.name === org) as OrganizationProfile;
/** Who acts, by role: resolved against the organization at run time, so most commands reach past the management check. */
type Role = 'owner' | 'company-owner' | 'permission' | 'outsider';
const actorFor = (role: Role, org: string): string => {
  const p = profileOf(org);
  if (role === 'outsider') return 'mallory';
  if (role === 'permission') return 'eve';
  return (role === 'company-owner' ? p.company?.owners[0] : undefined) ?? (p.owners[0] as string);
};
const mayManage = (actor: string, org: string): boolean => {
  const p = profileOf(org);
  return actor === 'eve' || p.owners.includes(actor) || (p.company?.owners.includes(actor) ?? false);
};
const limitOf = (org: string): number => (PLANS as Record<string, { maxTokens: number }>)[profileOf(org).plan]?.maxTokens ?? 0;
const statusIn = (t: ModelToken, now: number): TokenStatus => (t.state !== 'deleted' && t.expiresAt !== null && now >= t.expiresAt ? 'expired' : t.state);
const live = (m: ServiceModel, org: string): number => m.tokens.filter((t) => t.org === org && t.state !== 'deleted').length;

function fail(message: string): never {
  throw new Error(`model: ${message}`);
}

/** Runs `op`, expecting success when `expected` is null and that OatError code otherwise. */
async function expectOutcome<T>(real: ServiceReal, expected: OatErrorCode | null, op: () => Promise<T>, what: string): Promise<T | undefined> {
  try {
    const value = await op();
    if (expected !== null) fail(`${what} succeeded, expected ${expected}`);
    return value;
  } catch (error) {
    real.errors.push(error);
    if (!isOatError(error)) throw error;
    if (error.code !== expected) fail(`${what} threw ${error.code} (${error.message}), expected ${expected ?? 'success'}`);
    return undefined;
  }
}

class CreateCommand implements fc.AsyncCommand<ServiceModel, ServiceReal> {
  constructor(
    readonly org: string,
    readonly role: Role,
    readonly expiry: 'none' | '30d' | '90d',
  ) {}
  check = () => true;
  async run(m: ServiceModel, r: ServiceReal): Promise<void> {
    const actor = actorFor(this.role, this.org);
    const expected: OatErrorCode | null = !mayManage(actor, this.org)
      ? 'FORBIDDEN'
      : profileOf(this.org).imageAccessManagement === true
        ? 'ORG_INCOMPATIBLE'
        : limitOf(this.org) === 0
          ? 'PLAN_NOT_ELIGIBLE'
          : live(m, this.org) >= limitOf(this.org)
            ? 'QUOTA_EXCEEDED'
            : null;
    const input = {
      label: `token ${m.tokens.length}`,
      expiry: this.expiry,
      resources: [
        { type: 'repository', path: `${this.org}/app`, scopes: ['pull'] },
        { type: 'TYPE_REPO', path: `${this.org}/web`, scopes: ['scope-image-push'] },
      ],
    };
    r.tally(expected ?? 'create:ok');
    const created = await expectOutcome(r, expected, () => r.service.create(ACTORS[actor] as Actor, this.org, input), this.toString());
    if (created === undefined) return;
    const days = this.expiry === '30d' ? 30 : this.expiry === '90d' ? 90 : null;
    m.tokens.push({ id: created.token.id, org: this.org, state: 'active', expiresAt: days === null ? null : m.now + days * DAY, secret: created.secret.reveal(), lastUsedAt: null, label: input.label });
  }
  toString = () => `create(${this.org}, ${this.role}, ${this.expiry})`;
}

type Operation = 'update' | 'deactivate' | 'reactivate' | 'delete';

/** The model's own statement of each lifecycle, written out rather than read from the library's tables. */
function expectedTransition(lifecycle: ServiceModel['lifecycle'], status: TokenStatus, op: Operation): TokenState | 'denied' | 'gone' {
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
}

class TransitionCommand implements fc.AsyncCommand<ServiceModel, ServiceReal> {
  constructor(
    readonly op: Operation,
    readonly pick: number,
    readonly role: Role,
    readonly update: UpdateRequest = {},
  ) {}
  check = (m: Readonly<ServiceModel>) => m.tokens.length > 0;
  async run(m: ServiceModel, r: ServiceReal): Promise<void> {
    const token = m.tokens[this.pick % m.tokens.length] as ModelToken;
    const status = statusIn(token, m.now);
    // The operations the request asks for; an update that changes nothing asks for none.
    const ops: Operation[] = [];
    if (this.op !== 'update') ops.push(this.op);
    else {
      if (this.update.label !== undefined && this.update.label !== token.label) ops.push('update');
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
    const empty = this.op === 'update' && this.update.label === undefined && this.update.active === undefined;
    const actorName = actorFor(this.role, token.org);
    const expected: OatErrorCode | null = !mayManage(actorName, token.org)
      ? 'FORBIDDEN'
      : next === 'gone'
        ? 'NOT_FOUND'
        : empty
          ? 'VALIDATION_FAILED'
          : next === 'denied'
            ? 'TRANSITION_DENIED'
            : null;
    r.tally(expected ?? `${this.op}:ok`);
    const actor = ACTORS[actorName] as Actor;
    const call = () =>
      this.op === 'update'
        ? r.service.update(actor, token.org, token.id, { ...(this.update.label === undefined ? {} : { label: this.update.label }), ...(this.update.active === undefined ? {} : { is_active: this.update.active }) })
        : r.service[this.op](actor, token.org, token.id);
    const record = await expectOutcome(r, expected, call, this.toString());
    if (record === undefined || next === 'gone' || next === 'denied' || empty) return;
    if (record.state !== next) fail(`${this} left state ${record.state}, expected ${next}`);
    token.state = next;
    if (ops.includes('update') && this.update.label !== undefined) token.label = this.update.label;
  }
  toString = () => `${this.op}(#${this.pick}, ${this.role}${this.op === 'update' ? `, ${JSON.stringify(this.update)}` : ''})`;
}

class AuthenticateCommand implements fc.AsyncCommand<ServiceModel, ServiceReal> {
  constructor(
    readonly pick: number,
    readonly username: 'same' | 'upper' | 'other' | 'swapped',
    readonly secret: 'real' | 'corrupted' | 'unknown',
  ) {}
  check = (m: Readonly<ServiceModel>) => m.tokens.length > 0;
  async run(m: ServiceModel, r: ServiceReal): Promise<void> {
    const token = m.tokens[this.pick % m.tokens.length] as ModelToken;
    const other = ORGS.find((o) => o !== token.org) as string;
    const secret =
      this.secret === 'real'
        ? token.secret
        : this.secret === 'unknown'
          ? r.service.policy.format.generate()
          : token.secret.slice(0, -1) + (token.secret.endsWith('A') ? 'B' : 'A');
    const username = this.username === 'same' ? token.org : this.username === 'upper' ? token.org.toUpperCase() : this.username === 'other' ? other : secret;
    const result = this.username === 'swapped' ? await r.service.authenticate(secret, token.org) : await r.service.authenticate(username, secret);
    const status = statusIn(token, m.now);
    const shouldPass = this.secret === 'real' && (this.username === 'same' || this.username === 'upper') && status === 'active';
    if (result.ok !== shouldPass) fail(`${this} gave ${result.ok ? 'success' : result.code}, model says ${shouldPass ? 'success' : 'failure'}`);
    if (!result.ok) {
      const expectedCode =
        this.username === 'swapped' || this.secret === 'corrupted'
          ? 'MALFORMED'
          : this.secret === 'unknown'
            ? 'NOT_FOUND'
            : this.username === 'other'
              ? 'ORG_MISMATCH'
              : status === 'deleted'
                ? 'DELETED'
                : status === 'expired'
                  ? 'EXPIRED'
                  : 'INACTIVE';
      if (result.code !== expectedCode) fail(`${this} gave ${result.code}, model says ${expectedCode}`);
      r.tally(`login:${result.code}`);
    } else r.tally('login:ok');
    const stored = await r.store.findById(token.id as TokenId);
    if (result.ok) {
      if (token.lastUsedAt === null || m.now - token.lastUsedAt >= LAST_USED_INTERVAL) token.lastUsedAt = m.now;
      const p = result.principal;
      const checks: Array<[string, string, boolean]> = [
        [`${token.org}/app`, 'pull', true],
        [`${token.org}/app`, 'push', false],
        [`${token.org}/web`, 'pull', true],
        [`${token.org}/web`, 'push', true],
        [`${token.org}/other`, 'pull', false],
        [`${other}/app`, 'pull', false],
      ];
      for (const [repository, action, allowed] of checks) {
        if (r.service.authorize(p, { repository, visibility: 'private' }, action).allowed !== allowed) fail(`authorize(${repository}, ${action}) should be ${allowed}`);
      }
      if (p.organization !== token.org || p.tokenId !== token.id) fail('principal names the wrong organization or token');
    }
    const storedUse = stored?.lastUsedAt?.getTime() ?? null;
    if (storedUse !== token.lastUsedAt) fail(`lastUsedAt is ${String(storedUse)}, model says ${String(token.lastUsedAt)}`);
  }
  toString = () => `authenticate(#${this.pick}, ${this.username}, ${this.secret})`;
}

class ListCommand implements fc.AsyncCommand<ServiceModel, ServiceReal> {
  constructor(
    readonly org: string,
    readonly status: TokenStatus | undefined,
  ) {}
  check = () => true;
  async run(m: ServiceModel, r: ServiceReal): Promise<void> {
    const owner = profileOf(this.org).owners[0] as string;
    const page = await r.service.list(ACTORS[owner] as Actor, this.org, { pageSize: 100, ...(this.status ? { status: this.status } : {}) });
    const want = m.tokens
      .filter((t) => t.org === this.org && (this.status === undefined ? statusIn(t, m.now) !== 'deleted' : statusIn(t, m.now) === this.status))
      .map((t) => t.id)
      .sort();
    const got = page.items.map((t) => t.id).sort();
    if (page.total !== want.length || JSON.stringify(got) !== JSON.stringify(want)) fail(`${this} listed ${got.length} of ${page.total}, model says ${want.length}`);
  }
  toString = () => `list(${this.org}, ${this.status ?? 'live'})`;
}

class AdvanceClockCommand implements fc.AsyncCommand<ServiceModel, ServiceReal> {
  constructor(readonly ms: number) {}
  check = () => true;
  async run(m: ServiceModel, r: ServiceReal): Promise<void> {
    m.now += this.ms;
    r.clock.advance(this.ms);
  }
  toString = () => `advance(${this.ms}ms)`;
}

/** Command arbitraries for `fc.commands`: creates, every transition, logins, listings and clock moves, success and failure mixed. */
export function serviceModelCommands(): Array<fc.Arbitrary<fc.AsyncCommand<ServiceModel, ServiceReal>>> {
  const role = fc.oneof({ weight: 6, arbitrary: fc.constantFrom<Role>('owner', 'company-owner', 'permission') }, { weight: 1, arbitrary: fc.constant<Role>('outsider') });
  // Mostly the first few tokens, so operations and logins meet the same token often.
  const pick = fc.oneof({ weight: 4, arbitrary: fc.nat({ max: 3 }) }, { weight: 1, arbitrary: fc.nat() });
  const org = fc.oneof({ weight: 3, arbitrary: fc.constant('acme') }, { weight: 2, arbitrary: fc.constantFrom(...ORGS) });
  const create = fc
    .tuple(org, role, fc.constantFrom('none', '30d', '90d') as fc.Arbitrary<'none' | '30d' | '90d'>)
    .map(([o, a, e]) => new CreateCommand(o, a, e));
  const transition = fc
    .tuple(
      fc.constantFrom<Operation>('update', 'deactivate', 'reactivate', 'delete'),
      pick,
      role,
      fc.record({ label: fc.constantFrom('ci', 'renamed', 'token 0'), active: fc.boolean() }, { requiredKeys: [] }),
    )
    .map(([op, p, a, u]) => new TransitionCommand(op, p, a, u));
  const authenticate = fc
    .tuple(
      pick,
      fc.constantFrom('same', 'same', 'same', 'upper', 'other', 'swapped') as fc.Arbitrary<'same' | 'upper' | 'other' | 'swapped'>,
      fc.constantFrom('real', 'real', 'real', 'corrupted', 'unknown') as fc.Arbitrary<'real' | 'corrupted' | 'unknown'>,
    )
    .map(([p, u, c]) => new AuthenticateCommand(p, u, c));
  const list = fc
    .tuple(fc.constantFrom(...ORGS), fc.option(fc.constantFrom<TokenStatus>('active', 'inactive', 'expired', 'deleted'), { nil: undefined }))
    .map(([o, s]) => new ListCommand(o, s));
  // Small steps cross the last-used interval; a month's step expires the 30-day tokens.
  const advance = fc.oneof(fc.constantFrom(1_000, 30_000, 61_000, 31 * DAY), fc.integer({ min: 0, max: 100 * DAY })).map((ms) => new AdvanceClockCommand(ms));
  // Creates and logins twice as often as the rest, so runs reach the quota and the login denials.
  return [create, create, transition, authenticate, authenticate, list, advance];
}

/** Checks what must hold after every step, whatever the commands were. */
async function checkInvariants(m: ServiceModel, r: ServiceReal, previous: Map<string, TokenState>): Promise<void> {
  for (const org of ORGS) {
    const count = await r.store.countLive(org as OrganizationName);
    if (count > limitOf(org)) fail(`${org} holds ${count} tokens, over its limit ${limitOf(org)}`);
    if (count !== live(m, org)) fail(`${org} holds ${count} live tokens, model says ${live(m, org)}`);
  }
  const secrets = m.tokens.map((t) => t.secret);
  const records = [];
  for (const t of m.tokens) {
    const stored = await r.store.findById(t.id as TokenId);
    if (stored === null) fail(`token ${t.id} vanished from the store`);
    if (stored.state !== t.state) fail(`token ${t.id} is ${stored.state}, model says ${t.state}`);
    const before = previous.get(t.id);
    if (before === 'deleted' && stored.state !== 'deleted') fail(`token ${t.id} came back from deleted`);
    if (m.lifecycle === 'seed' && before === 'inactive' && stored.state !== 'inactive' && stored.state !== 'deleted') fail(`inactive token ${t.id} moved to ${stored.state}`);
    previous.set(t.id, stored.state);
    records.push(stored);
  }
  const surfaces = [JSON.stringify(records), inspect(records, { depth: null }), JSON.stringify(r.events), inspect(r.events, { depth: null }), ...r.errors.map((e) => `${String(e)} ${JSON.stringify(e)} ${inspect(e, { depth: null })}`)];
  // Case-folded: a lower-cased secret (a username is lower-cased) is as good as the secret to an attacker.
  const folded = surfaces.map((s) => s.toLowerCase());
  for (const secret of secrets) if (folded.some((s) => s.includes(secret.toLowerCase()))) fail('a plaintext secret leaked into a record, event or error');
}

/**
 * Runs the model-based test of the whole service on a store: random command
 * sequences (create, update, deactivate, reactivate, delete, authenticate,
 * authorize, list, clock moves) checked step by step against a simple model,
 * plus invariants after every step: quota never exceeded, deleted never comes
 * back, inactive only moves to deleted (seed lifecycle), logins succeed
 * exactly when the model says so, last-used never moves backwards, and no
 * plaintext secret reaches a record, event or error. Resolves to how often
 * each outcome occurred, and fails when the runs never reached one of the
 * paths worth checking (a quota refusal, an expired login, ...).
 *
 * @example
 * ```ts
 * it('the service keeps its model on my store', async () => {
 *   await checkTokenServiceModel({ makeStore: async () => ({ store: createMyStore() }) });
 * });
 * ```
 */
export async function checkTokenServiceModel(options: ServiceModelOptions): Promise<Readonly<Record<string, number>>> {
  const lifecycle = options.lifecycle ?? 'seed';
  const policy = createPolicy({ lifecycle, plans: PLANS });
  const seen: Record<string, number> = {};
  const tally = (outcome: string): void => {
    seen[outcome] = (seen[outcome] ?? 0) + 1;
  };
  await fc.assert(
    fc.asyncProperty(fc.commands(serviceModelCommands(), { maxCommands: options.maxCommands ?? 40, size: 'max' }), async (commands) => {
      const { store, cleanup } = await options.makeStore();
      try {
        const clock = createFakeClock();
        const events: TokenEvent[] = [];
        const service = createTokenService({ store, clock, policy, organizations: MODEL_ORGANIZATIONS, events: { emit: (e) => events.push(e) }, lastUsedIntervalMs: LAST_USED_INTERVAL });
        const model: ServiceModel = { tokens: [], now: clock.now().getTime(), lifecycle };
        const real: ServiceReal = { service, store, clock, events, errors: [], tally };
        const previous = new Map<string, TokenState>();
        const checked = [...commands].map((command) => ({
          check: (m: Readonly<ServiceModel>) => command.check(m),
          run: async (m: ServiceModel, r: ServiceReal) => {
            await command.run(m, r);
            await checkInvariants(m, r, previous);
          },
          toString: () => command.toString(),
        }));
        await fc.asyncModelRun(() => ({ model, real }), checked);
      } finally {
        await cleanup?.();
      }
    }),
    { numRuns: options.numRuns ?? 100, examples: [[tour()]], ...(options.seed === undefined ? {} : { seed: options.seed }) },
  );
  // A model run that never reached the interesting paths proves nothing: say so.
  const missing = REQUIRED_COVERAGE.filter((outcome) => (seen[outcome] ?? 0) === 0);
  if (missing.length > 0) throw new Error(`model: the runs never reached ${missing.join(', ')}; raise numRuns or maxCommands`);
  return Object.freeze({ ...seen });
}

/**
 * A scripted run that reaches every outcome in {@link REQUIRED_COVERAGE} under
 * either lifecycle, played before the random ones: the random runs explore,
 * the tour guarantees that no check passes without having met each path.
 */
function tour(): Array<fc.AsyncCommand<ServiceModel, ServiceReal>> {
  return [
    new CreateCommand('acme', 'owner', '30d'),
    new CreateCommand('acme', 'permission', 'none'),
    new CreateCommand('acme', 'owner', '90d'),
    new CreateCommand('acme', 'owner', 'none'),
    new CreateCommand('acme', 'outsider', 'none'),
    new AuthenticateCommand(0, 'same', 'real'),
    new AuthenticateCommand(0, 'other', 'real'),
    new AuthenticateCommand(0, 'same', 'corrupted'),
    new AuthenticateCommand(0, 'swapped', 'real'),
    new AuthenticateCommand(0, 'same', 'unknown'),
    new TransitionCommand('deactivate', 1, 'owner'),
    new AuthenticateCommand(1, 'upper', 'real'),
    new TransitionCommand('deactivate', 1, 'owner'),
    new TransitionCommand('delete', 2, 'owner'),
    new TransitionCommand('update', 2, 'owner', { label: 'renamed' }),
    new AdvanceClockCommand(31 * DAY),
    new AuthenticateCommand(0, 'same', 'real'),
    new ListCommand('acme', 'expired'),
  ];
}

/** Outcomes every model check must have exercised at least once. */
const REQUIRED_COVERAGE = ['create:ok', 'QUOTA_EXCEEDED', 'FORBIDDEN', 'TRANSITION_DENIED', 'NOT_FOUND', 'login:ok', 'login:EXPIRED', 'login:INACTIVE', 'login:NOT_FOUND', 'login:MALFORMED', 'login:ORG_MISMATCH'];
