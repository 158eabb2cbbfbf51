import { inspect } from 'node:util';
import fc from 'fast-check';
import type { OrganizationId, TokenId } from '../core/ids.js';
import { createPolicy } from '../core/policy.js';
import type { TokenState } from '../core/token.js';
import type { TokenEvent } from '../service/ports.js';
import { createTokenService } from '../service/service.js';
import { createFakeClock } from './fake-clock.js';
import { serviceModelCommands } from './model/commands.js';
import { MODEL_ROTATION, rotationCommands } from './model/rotate-commands.js';
import { tour } from './model/tour.js';
import type { OrganizationProfile } from '../core/access.js';
import {
  PLANS,
  LAST_USED_INTERVAL,
  fail,
  initialOrganizations,
  limitOf,
  live,
  publishDirectory,
  type ServiceModel,
  type ServiceModelOptions,
  type ServiceReal,
} from './model/world.js';
import { NETWORKS } from './model/networks.js';

export { serviceModelCommands } from './model/commands.js';
export { MODEL_ORGANIZATIONS } from './model/world.js';
export type { ModelOrganization, ModelToken, ServiceModel, ServiceModelOptions, ServiceReal } from './model/world.js';
export type { NetworkChoice } from './model/networks.js';

/** Checks what must hold after every step, whatever the commands were. */
async function checkInvariants(m: ServiceModel, r: ServiceReal, previous: Map<string, TokenState>): Promise<void> {
  // By id, including organizations that left the directory: their tokens count against them until purged.
  for (const org of m.organizations) {
    const count = await r.store.countLive(org.id as OrganizationId);
    if (count > limitOf(org)) fail(`${org.id} holds ${count} tokens, over its limit ${limitOf(org)}`);
    if (count !== live(m, org.id)) fail(`${org.id} holds ${count} live tokens, model says ${live(m, org.id)}`);
  }
  const secrets = m.tokens.map((t) => t.secret);
  const records = [];
  for (const t of m.tokens) {
    const stored = await r.store.findById(t.id as TokenId);
    if (stored === null) fail(`token ${t.id} vanished from the store`);
    if (stored.state !== t.state) fail(`token ${t.id} is ${stored.state}, model says ${t.state}`);
    if (stored.organizationId !== t.orgId || stored.organization !== t.createdUnder)
      fail(
        `token ${t.id} is stored as ${stored.organizationId} "${stored.organization}", model says ${t.orgId} ` +
          `"${t.createdUnder}"`,
      );
    // Every grant a token holds is one the model allowed its granter to hand out (creates and updates check mayGrant),
    // under the name the row was created with: neither a rename nor a later write moves them.
    const held = JSON.stringify(stored.resources.map((res) => [res.path, res.scopes]));
    const granted = JSON.stringify(
      Object.entries(t.grants).map(([repo, rank]) => [
        `${t.createdUnder}/${repo}`,
        [['', 'scope-image-pull', 'scope-image-push', 'scope-image-delete'][rank]],
      ]),
    );
    if (held !== granted) fail(`token ${t.id} holds ${held}, model says ${granted}`);
    // Stored in normal form whatever the request's spelling, and handed out frozen.
    const networks = JSON.stringify(stored.allowedNetworks);
    if (networks !== JSON.stringify(NETWORKS[t.networks]))
      fail(`token ${t.id} allows ${networks}, model says ${JSON.stringify(NETWORKS[t.networks])}`);
    if (!Object.isFrozen(stored.allowedNetworks)) fail(`token ${t.id} hands out a mutable allowedNetworks`);
    const recent = stored.recentAddresses;
    if (recent.length > 5 || new Set(recent).size !== recent.length || !Object.isFrozen(recent))
      fail(
        `token ${t.id} holds recent addresses ${JSON.stringify(recent)}: not a frozen distinct list of five at most`,
      );
    const before = previous.get(t.id);
    if (before === 'deleted' && stored.state !== 'deleted') fail(`token ${t.id} came back from deleted`);
    if (m.lifecycle === 'seed' && before === 'inactive' && stored.state !== 'inactive' && stored.state !== 'deleted')
      fail(`inactive token ${t.id} moved to ${stored.state}`);
    previous.set(t.id, stored.state);
    records.push(stored);
  }
  const surfaces = [
    JSON.stringify(records),
    inspect(records, { depth: null }),
    JSON.stringify(r.events),
    inspect(r.events, { depth: null }),
    ...r.errors.map((e) => `${String(e)} ${JSON.stringify(e)} ${inspect(e, { depth: null })}`),
  ];
  // Case-folded: a lower-cased secret (a username is lower-cased) is as good as the secret to an attacker.
  const folded = surfaces.map((s) => s.toLowerCase());
  for (const secret of secrets)
    if (folded.some((s) => s.includes(secret.toLowerCase())))
      fail('a plaintext secret leaked into a record, event or error');
}

/**
 * Runs the model-based test of the whole service on a store: random command
 * sequences (create, update, deactivate, reactivate, delete, authenticate,
 * authorize, list, leak reports, clock moves) checked step by step against a simple model,
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
    // The secrets and ids the service makes come from this stream of unbiased bytes, not from the platform.
    fc.asyncProperty(
      fc.commands(
        options.rotation === true ? [...serviceModelCommands(), ...rotationCommands()] : serviceModelCommands(),
        { maxCommands: options.maxCommands ?? 40, size: 'max' },
      ),
      fc.infiniteStream(fc.noBias(fc.nat(255))),
      async (commands, bytes) => {
        const { store, cleanup } = await options.makeStore();
        try {
          const clock = createFakeClock();
          const events: TokenEvent[] = [];
          const directory = new Map<string, OrganizationProfile>();
          const organizations = { get: (name: string) => directory.get(name) ?? null };
          const drawn = bytes[Symbol.iterator]();
          const random = (out: Uint8Array): void => {
            for (let i = 0; i < out.length; i++) out[i] = drawn.next().value as number;
          };
          const service = createTokenService({
            store,
            clock,
            policy,
            organizations,
            random,
            events: { emit: (e) => events.push(e) },
            lastUsedIntervalMs: LAST_USED_INTERVAL,
            ...(options.rotation === true ? { rotation: MODEL_ROTATION } : {}),
          });
          const model: ServiceModel = {
            tokens: [],
            organizations: initialOrganizations(),
            now: clock.now(),
            lifecycle,
          };
          const real: ServiceReal = { service, store, clock, directory, events, errors: [], tally, random };
          publishDirectory(model, real);
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
      },
    ),
    {
      numRuns: options.numRuns ?? 100,
      examples: [[tour(), tourBytes()]],
      ...(options.seed === undefined ? {} : { seed: options.seed }),
    },
  );
  // A model run that never reached the interesting paths proves nothing: say so.
  const missing = REQUIRED_COVERAGE.filter((outcome) => (seen[outcome] ?? 0) === 0);
  if (missing.length > 0)
    throw new Error(`model: the runs never reached ${missing.join(', ')}; raise numRuns or maxCommands`);
  return Object.freeze({ ...seen });
}

/**
 * The tour's bytes: a fixed xorshift32 sequence, so the scripted run is the same every time and never repeats a secret.
 */
function tourBytes(): fc.Stream<number> {
  let x = 0x9e3779b9;
  return new fc.Stream(
    (function* () {
      for (;;) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        yield x & 0xff;
      }
    })(),
  );
}

/** Outcomes every model check must have exercised at least once. */
const REQUIRED_COVERAGE = [
  'create:ok',
  'QUOTA_EXCEEDED',
  'FORBIDDEN',
  'BEYOND_CEILING',
  'LIFETIME_CAP',
  'TRANSITION_DENIED',
  'NOT_FOUND',
  'login:ok',
  'login:EXPIRED',
  'login:INACTIVE',
  'login:NOT_FOUND',
  'login:MALFORMED',
  'login:ORG_MISMATCH',
  'login:ORGANIZATION_UNKNOWN',
  'login:LIFETIME_EXCEEDED',
  'login:NETWORK_NOT_ALLOWED',
  'rename',
  'rename:freed-name',
  'succeed',
  'purge:deleted',
  'manage:former-name',
  'leak:REPORTED',
  'leak:DEACTIVATED',
  'leak:ALREADY_INACTIVE',
  'leak:false_positive',
];
