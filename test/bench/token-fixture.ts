/**
 * A token service holding many stored tokens, built cheaply (one generated
 * token and one hash per record, records inserted straight through the
 * store's guarded insert), and the floor that authentication is compared
 * with: the least work any design that stores hashed tokens must do.
 */
import { hash } from 'node:crypto';
import {
  createMemoryTokenStore,
  createPolicy,
  createTokenService,
  platformRandom,
  freezeRecord,
  sha256Hasher,
  tokenLimit,
  toOrganizationName,
  toTokenId,
  type AccessTokenRecord,
  type OrganizationName,
  type Resource,
  type TokenId,
  type TokenPolicy,
  type TokenService,
} from '../../src/index.js';
import { shuffled, type AsyncLoop, type SyncLoop } from './harness.js';

/** Tokens per organization in the fixtures: the Business plan's quota. */
export const TOKENS_PER_ORG = 100;

/** A plan big enough for the largest fixture. */
export const BENCH_POLICY: TokenPolicy = createPolicy({ plans: { big: { maxTokens: 2_000_000 } } });

// Records share one resource list: these fixtures time lookups, not memory (the memory probe builds real ones).
const SHARED_RESOURCES: ReadonlyArray<Resource> = Object.freeze([
  Object.freeze({ type: 'repository' as const, path: 'org/app', scopes: Object.freeze(['scope-image-pull', 'scope-image-push']) }),
  Object.freeze({ type: 'repository' as const, path: 'org/*', scopes: Object.freeze(['scope-image-pull']) }),
]);

/** A service over a memory store with `count` active tokens, and the presented tokens in a fixed random order. */
export interface TokenFixture {
  readonly service: TokenService;
  /** Every token, in a fixed shuffled order. */
  readonly tokens: ReadonlyArray<string>;
  /** The organization of `tokens[i]`, for the `docker login --username` half. */
  readonly orgs: ReadonlyArray<string>;
  /** Secret hash to stored record, the floor's own index over the same records. */
  readonly index: ReadonlyMap<string, AccessTokenRecord>;
  /** Seconds spent building. */
  readonly buildSeconds: number;
}

const uuid = (i: number): TokenId => toTokenId(`00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`) as TokenId;
const orgName = (o: number): OrganizationName => toOrganizationName(`org-${o}`) as OrganizationName;

/**
 * Builds the fixture. Half the tokens expire in a year and half never do;
 * `lastUsedAt` is set to now, so authentications during the run do not write
 * it again (a token used often touches it once a minute at most).
 */
export async function buildTokenFixture(count: number): Promise<TokenFixture> {
  const started = performance.now();
  const store = createMemoryTokenStore();
  const organizationCount = Math.ceil(count / TOKENS_PER_ORG);
  const organizations = Array.from({ length: organizationCount }, (_, o) => ({ name: orgName(o), plan: 'big', owners: ['owner'] }));
  const service = createTokenService({ store, organizations, policy: BENCH_POLICY, hasher: sha256Hasher() });
  const limit = tokenLimit(BENCH_POLICY.plans, 'big');
  const now = Date.now();
  const inAYear = now + 365 * 24 * 3600 * 1000;
  const tokens: string[] = [];
  const orgs: string[] = [];
  const index = new Map<string, AccessTokenRecord>();
  const hasher = sha256Hasher();
  for (let i = 0; i < count; i++) {
    const token = BENCH_POLICY.format.generate(platformRandom);
    const organization = orgName(Math.floor(i / TOKENS_PER_ORG));
    const secretHash = hasher.hash(token);
    const record = freezeRecord<AccessTokenRecord>({
      id: uuid(i),
      organizationId: organization as string as AccessTokenRecord['organizationId'],
      organization,
      label: `token ${i}`,
      description: '',
      createdBy: 'owner',
      createdAt: now,
      updatedAt: now,
      expiresAt: i % 2 === 0 ? inAYear : null,
      lastUsedAt: now,
      state: 'active',
      resources: SHARED_RESOURCES,
      secretHash,
      displayPrefix: BENCH_POLICY.format.displayPrefix(token),
      version: 1,
    });
    const outcome = await store.insertWithinQuota(record, limit);
    if (!outcome.ok) throw new Error(`fixture insert ${i} refused: ${outcome.code}`);
    tokens.push(token);
    orgs.push(organization);
  }
  // The floor indexes the very records the store holds, so both read the same objects.
  for (const token of tokens) {
    const secretHash = hasher.hash(token);
    const stored = await store.findBySecretHash(secretHash);
    if (stored === null) throw new Error('fixture record missing');
    index.set(secretHash, stored);
  }
  const order = shuffled(
    tokens.map((_, i) => i),
    3,
  );
  return {
    service,
    tokens: order.map((i) => tokens[i] as string),
    orgs: order.map((i) => orgs[i] as string),
    index,
    buildSeconds: (performance.now() - started) / 1000,
  };
}

/**
 * The floor of authentication: format check (length, prefix, checksum), one
 * `crypto.hash('sha256', token, 'base64url')`, one `Map.get`, and the
 * organization, state and expiry checks. No events, no directory, no
 * promise.
 */
export function floorAuthenticate(index: ReadonlyMap<string, AccessTokenRecord>, org: string, token: string): boolean {
  if (!BENCH_POLICY.format.check(token).ok) return false;
  const record = index.get(hash('sha256', token, 'base64url'));
  return record !== undefined && record.organization === org && record.state === 'active' && (record.expiresAt === null || record.expiresAt > Date.now());
}

/**
 * Authenticates every token of the fixture once through the service and once
 * through the floor, and throws unless both accept each one. Doubles as the
 * warm-up pass: the service compiles and caches each token's principal here.
 */
export async function verifyAndWarm(fixture: TokenFixture): Promise<void> {
  for (let i = 0; i < fixture.tokens.length; i++) {
    const token = fixture.tokens[i] as string;
    const org = fixture.orgs[i] as string;
    const result = await fixture.service.authenticate(org, token);
    if (!result.ok) throw new Error(`service refused stored token ${i}: ${result.code}`);
    if (!floorAuthenticate(fixture.index, org, token)) throw new Error(`floor refused stored token ${i}`);
  }
}

/** Timing loops over a fixture's tokens (in its fixed random order), or over its first `hot` tokens. */
export function authLoops(fixture: TokenFixture, hot = fixture.tokens.length): { service: AsyncLoop; floor: SyncLoop; floorAwaited: AsyncLoop } {
  const { service, tokens, orgs, index } = fixture;
  const last = Math.min(hot, tokens.length) - 1;
  let s = 0;
  let f = 0;
  let a = 0;
  const floorAsync = async (org: string, token: string): Promise<boolean> => floorAuthenticate(index, org, token);
  return {
    service: async (k) => {
      let n = 0;
      for (let j = 0; j < k; j++) {
        if ((await service.authenticate(orgs[s] as string, tokens[s] as string)).ok) n++;
        s = s === last ? 0 : s + 1;
      }
      return n;
    },
    floor: (k) => {
      let n = 0;
      for (let j = 0; j < k; j++) {
        if (floorAuthenticate(index, orgs[f] as string, tokens[f] as string)) n++;
        f = f === last ? 0 : f + 1;
      }
      return n;
    },
    floorAwaited: async (k) => {
      let n = 0;
      for (let j = 0; j < k; j++) {
        if (await floorAsync(orgs[a] as string, tokens[a] as string)) n++;
        a = a === last ? 0 : a + 1;
      }
      return n;
    },
  };
}
