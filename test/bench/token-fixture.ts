/**
 * Stored tokens made the way users make them, and the floor authentication is
 * compared with.
 *
 * - Every token is created through `service.create`, from a request body
 *   parsed from JSON (its own strings and its own resource list), so
 *   `lastUsedAt` is null until its first login.
 * - Logins come in a fixed random order over all tokens; the timed rows go
 *   round its first `window` tokens (a random sample of the store), so only
 *   those need warming up.
 * - The service reads a clock the benchmark moves: standing still, no login
 *   after the warm pass is due a last-used write; advanced by
 *   {@link WRITE_STEP_MS} over each pass through the tokens, every login is
 *   the token's first in more than the default 60 s interval and writes.
 * - The floor is the least any design storing hashed tokens must do: the
 *   format check (length, prefix, checksum), one SHA-256, one `Map.get` by
 *   the hash, and nothing else read.
 */
import { hash } from 'node:crypto';
import {
  createMemoryTokenStore,
  createTokenService,
  DEFAULT_POLICY,
  type Clock,
  type TokenService,
  type TokenStore,
} from '../../src/index.js';
import { formatAccepts, loginAccepted, loginCode, principalOf } from './api.js';
import { shuffled } from './harness.js';
import type { Loop } from './rounds.js';
import { SETTINGS } from './settings.js';

/** Tokens per organization: the Business plan's quota. */
export const TOKENS_PER_ORG = 100;
/** The service's default last-used interval, which the fixtures keep. */
export const LAST_USED_INTERVAL_MS = 60_000;
/** Clock time that passes over one pass through all tokens in the writing runs: a little more than the interval. */
export const WRITE_STEP_MS = LAST_USED_INTERVAL_MS + 1_000;
const OWNER = Object.freeze({ username: 'owner' });
const format = DEFAULT_POLICY.format;

/**
 * A clock the benchmark moves by hand, by any fraction of a millisecond; it reads whole milliseconds, as the port
 * requires.
 */
export interface BenchClock extends Clock {
  advance(ms: number): void;
}

/** A {@link BenchClock} starting at `start`. */
export function benchClock(start: number = Date.now()): BenchClock {
  let ms = start;
  return {
    now: () => Math.floor(ms),
    advance: (delta) => {
      ms += delta;
    },
  };
}

/** A service over a memory store holding `tokens.length` tokens created through it. */
export interface TokenFixture {
  readonly service: TokenService;
  readonly clock: BenchClock;
  /** Every plaintext, in a fixed shuffled order. */
  readonly tokens: ReadonlyArray<string>;
  /** How many tokens, from the start of `tokens`, the timed rows and the warm-up go round. */
  readonly window: number;
  /** The organization of `tokens[i]`, for the `docker login --username` half. */
  readonly orgs: ReadonlyArray<string>;
  /** The repository `tokens[i]` may pull and push (its own `<org>/app-<n>`). */
  readonly repositories: ReadonlyArray<string>;
  /** The floor's index: SHA-256 (base64url) of each token to its position. */
  readonly floorIndex: ReadonlyMap<string, number>;
  /** Last-used writes the service has started so far. */
  readonly writes: () => number;
  /** Seconds spent creating the tokens this fixture added. */
  readonly buildSeconds: number;
}

/**
 * The request body of token `i` of `org`, as JSON text: three grants of its own, half the tokens expiring in 90 days.
 */
function createBody(org: string, i: number): string {
  return JSON.stringify({
    label: `ci token ${i}`,
    ...(i % 2 === 0 ? { expiry: '90d' } : {}),
    resources: [
      { type: 'repository', path: `${org}/app-${i}`, scopes: ['scope-image-pull', 'scope-image-push'] },
      { type: 'repository', path: `${org}/*`, scopes: ['scope-image-pull'] },
      { type: 'repository', path: '*/*/public', scopes: ['scope-image-pull'] },
    ],
  });
}

/** Organizations named `org-0` ... for `count` tokens, 100 each, on the Business plan. */
export function organizationsFor(
  count: number,
): ReadonlyArray<{ readonly name: string; readonly plan: string; readonly owners: ReadonlyArray<string> }> {
  return Array.from({ length: Math.ceil(count / TOKENS_PER_ORG) }, (_, o) => ({
    name: `org-${o}`,
    plan: 'business',
    owners: [OWNER.username],
  }));
}

/** Creates tokens through one service and hands out fixtures of growing size over them. */
export interface TokenStock {
  /** Creates tokens until `count` are stored (at most the stock's capacity) and returns a fixture over all of them. */
  grow(count: number): Promise<TokenFixture>;
}

/**
 * A stock of up to `capacity` tokens: one service over a memory store, whose
 * directory knows every organization the largest fixture needs. Fixtures of
 * growing size share the service, so a larger one costs only the tokens it
 * adds; the store counts the last-used writes the service starts.
 */
export function tokenStock(capacity: number): TokenStock {
  const inner = createMemoryTokenStore();
  let writes = 0;
  // Only the write is wrapped, for counting; every read goes straight to the memory store.
  const store: TokenStore = {
    ...inner,
    touchLastUsed: (id, at, ifOlderThan) => {
      writes++;
      return inner.touchLastUsed(id, at, ifOlderThan);
    },
  };
  const clock = benchClock();
  const organizations = organizationsFor(capacity);
  const service = createTokenService({ store, organizations, clock, lastUsedIntervalMs: LAST_USED_INTERVAL_MS });
  const tokens: string[] = [];
  const orgs: string[] = [];
  const repositories: string[] = [];
  const floorIndex = new Map<string, number>();
  return {
    async grow(count) {
      const started = performance.now();
      for (let n = tokens.length; n < Math.min(count, capacity); n++) {
        const org = (organizations[Math.floor(n / TOKENS_PER_ORG)] as { name: string }).name;
        const created = await service.create(OWNER, org, JSON.parse(createBody(org, n % TOKENS_PER_ORG)));
        const token = created.secret.reveal();
        floorIndex.set(hash('sha256', token, 'base64url'), n);
        tokens.push(token);
        orgs.push(org);
        repositories.push(`${org}/app-${n % TOKENS_PER_ORG}`);
      }
      const order = shuffled(
        tokens.map((_, i) => i),
        tokens.length,
      );
      return {
        service,
        clock,
        tokens: order.map((i) => tokens[i] as string),
        window: Math.min(tokens.length, SETTINGS.loginWindow),
        orgs: order.map((i) => orgs[i] as string),
        repositories: order.map((i) => repositories[i] as string),
        floorIndex,
        writes: () => writes,
        buildSeconds: (performance.now() - started) / 1000,
      };
    },
  };
}

/** The floor: format check, one SHA-256, one `Map.get` by the hash; nothing else is read. */
export function floorAuthenticate(index: ReadonlyMap<string, number>, token: string): boolean {
  return formatAccepts(format, token) && index.get(hash('sha256', token, 'base64url')) !== undefined;
}

/**
 * Brings the fixture's window to its steady state without writes. Moves the clock past
 * the last-used interval and authenticates every token of the window through the service
 * (for a new token its first login, which compiles the principal) and the
 * floor, throwing unless both accept each one: every login writes last-used.
 * Then authenticates every token once more at the same time, when none is
 * due a write, so that what a login after a write costs (a store holding a
 * new record object) is paid here, not in the rows without writes.
 */
export async function verifyAndWarm(fixture: TokenFixture): Promise<void> {
  fixture.clock.advance(WRITE_STEP_MS);
  for (let i = 0; i < fixture.window; i++) {
    const result = await fixture.service.authenticate(fixture.orgs[i], fixture.tokens[i]);
    if (!loginAccepted(result)) throw new Error(`service refused stored token ${i}: ${loginCode(result)}`);
    if (!floorAuthenticate(fixture.floorIndex, fixture.tokens[i] as string))
      throw new Error(`floor refused stored token ${i}`);
  }
  await fixture.service.flush();
  for (let i = 0; i < fixture.window; i++) await fixture.service.authenticate(fixture.orgs[i], fixture.tokens[i]);
}

/** The floor over the fixture's tokens in their fixed random order. */
export function floorLoop(fixture: TokenFixture): Loop {
  const { tokens, floorIndex } = fixture;
  const last = fixture.window - 1;
  let i = 0;
  return (k) => {
    let n = 0;
    for (let j = 0; j < k; j++) {
      if (floorAuthenticate(floorIndex, tokens[i] as string)) n++;
      i = i === last ? 0 : i + 1;
    }
    return n;
  };
}

/** `service.authenticate` over the tokens in their fixed random order, the clock standing still. */
export function serviceLoop(fixture: TokenFixture): Loop {
  const { service, tokens, orgs } = fixture;
  const last = fixture.window - 1;
  let i = 0;
  return async (k) => {
    let n = 0;
    for (let j = 0; j < k; j++) {
      if (loginAccepted(await service.authenticate(orgs[i], tokens[i]))) n++;
      i = i === last ? 0 : i + 1;
    }
    return n;
  };
}

/**
 * `service.authenticate` in the same order while the clock moves
 * {@link WRITE_STEP_MS} per pass through the tokens, so each login is due a
 * last-used write; the service is flushed after each batch, as writes would
 * settle in a server between requests.
 */
export function writingServiceLoop(fixture: TokenFixture): { readonly loop: Loop; readonly logins: () => number } {
  const { service, tokens, orgs, clock } = fixture;
  const last = fixture.window - 1;
  const step = WRITE_STEP_MS / fixture.window;
  let i = 0;
  let logins = 0;
  // The warm pass has just written every token: one interval later, the first pass is due too.
  clock.advance(WRITE_STEP_MS);
  const loop: Loop = async (k) => {
    logins += k;
    let n = 0;
    for (let j = 0; j < k; j++) {
      clock.advance(step);
      if (loginAccepted(await service.authenticate(orgs[i], tokens[i]))) n++;
      i = i === last ? 0 : i + 1;
    }
    await service.flush();
    return n;
  };
  return { loop, logins: () => logins };
}

/**
 * Whether one write costs a recompilation, tested on `sample` tokens spread
 * evenly over the fixture's order: their compiled grants now, then, one
 * interval later, a login that writes last-used and a login after it. Counts
 * the tokens whose grants after the write are a different object (compiled
 * again). Moves the clock; run it after the timed rows.
 */
export async function recompiledAfterWrite(
  fixture: TokenFixture,
  sample: number,
): Promise<{ readonly sampled: number; readonly recompiled: number }> {
  const { service, tokens, orgs, clock, window } = fixture;
  const picked = Array.from({ length: Math.min(sample, window) }, (_, s) =>
    Math.floor((s * window) / Math.min(sample, window)),
  );
  const grants = async (i: number): Promise<unknown> =>
    principalOf(await service.authenticate(orgs[i], tokens[i]))?.grants;
  const before: unknown[] = [];
  for (const i of picked) before.push(await grants(i));
  clock.advance(WRITE_STEP_MS);
  const writesBefore = fixture.writes();
  for (const i of picked) await grants(i);
  await service.flush();
  if (fixture.writes() - writesBefore !== picked.length)
    throw new Error('the sampled logins did not each write last-used');
  let recompiled = 0;
  for (const [s, i] of picked.entries()) if ((await grants(i)) !== before[s]) recompiled++;
  return { sampled: picked.length, recompiled };
}
