import type { Actor, OrganizationProfile } from '../../core/access.js';
import type { TokenState, TokenStatus } from '../../core/token.js';
import { isOatError, type OatErrorCode } from '../../errors.js';
import type { TokenEvent, TokenStore } from '../../service/ports.js';
import type { TokenService } from '../../service/service.js';
import type { FakeClock } from '../fake-clock.js';

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
export interface ModelToken {
  readonly id: string;
  readonly org: string;
  state: TokenState;
  readonly expiresAt: number | null;
  readonly secret: string;
  lastUsedAt: number | null;
  label: string;
  /** Rank held per repository name, see {@link GRANTS}. */
  grants: Readonly<Record<string, number>>;
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

export const DAY = 24 * 3600 * 1000;
export const LAST_USED_INTERVAL = 60_000;
export const PLANS = { small: { maxTokens: 3 }, team: { maxTokens: 10 } } as const;

/** The organizations the model runs on: one per rule worth exercising. */
export const MODEL_ORGANIZATIONS: ReadonlyArray<OrganizationProfile> = Object.freeze([
  // Ids unlike the names, so a service or store that keys by name where it should key by id fails the run.
  // tim and eve manage acme's tokens through a custom role, and nothing anywhere else: tim up to push, eve (no
  // ceiling stated) up to the default, pull.
  { id: 'org-1', name: 'acme', plan: 'small', owners: ['alice'], tokenManagers: [{ username: 'tim', ceiling: [{ type: 'repository', path: 'acme/*', scopes: ['push'] }] }, { username: 'eve' }] },
  // globex caps token lifetime at 60 days: tokens that never expire, or last 90 days, are refused.
  { id: 'org-2', name: 'globex', plan: 'team', owners: ['bob'], company: { name: 'corp', owners: ['carol'] }, maxTokenLifetimeDays: 60 },
  { id: 'org-3', name: 'initech', plan: 'free', owners: ['alice'] },
  { id: 'org-4', name: 'umbrella', plan: 'team', owners: ['alice'], imageAccessManagement: true },
]);
export const ORGS = MODEL_ORGANIZATIONS.map((o) => o.name);
export const ACTORS: Readonly<Record<string, Actor>> = {
  alice: { username: 'alice' },
  bob: { username: 'BOB' },
  carol: { username: 'carol' },
  eve: { username: 'eve' },
  tim: { username: 'Tim' },
  mallory: { username: 'mallory' },
};

export const profileOf = (org: string): OrganizationProfile => MODEL_ORGANIZATIONS.find((o) => o.name === org) as OrganizationProfile;
/** Who acts, by role: resolved against the organization at run time, so most commands reach past the management check. */
export type Role = 'owner' | 'company-owner' | 'token-manager' | 'pull-manager' | 'outsider';
export const actorFor = (role: Role, org: string): string => {
  const p = profileOf(org);
  if (role === 'outsider') return 'mallory';
  if (role === 'token-manager') return 'tim';
  if (role === 'pull-manager') return 'eve';
  return (role === 'company-owner' ? p.company?.owners[0] : undefined) ?? (p.owners[0] as string);
};
export const mayManage = (actor: string, org: string): boolean => {
  const p = profileOf(org);
  return p.owners.includes(actor) || (p.company?.owners.includes(actor) ?? false) || (p.tokenManagers ?? []).some((m) => m.username === actor);
};
/** Scope ranks of the image chain, the model's own statement of "includes": delete > push > pull. */
export const RANK = { pull: 1, push: 2, delete: 3 } as const;
/** The most an actor may grant on one of the organization's repositories, as a rank; 0 for someone who may not manage it. */
export const ceilingRankOf = (actor: string, org: string): number => {
  const p = profileOf(org);
  if (p.owners.includes(actor) || (p.company?.owners.includes(actor) ?? false)) return RANK.delete;
  const manager = (p.tokenManagers ?? []).find((m) => m.username === actor);
  if (manager === undefined) return 0;
  return manager.ceiling === undefined ? RANK.pull : RANK.push;
};
/** Grants a command asks for, by repository name (inside the token's organization) and rank. */
export type GrantSet = 'narrow' | 'default' | 'wide';
export const GRANTS: Readonly<Record<GrantSet, Readonly<Record<string, number>>>> = {
  narrow: { app: RANK.pull },
  default: { app: RANK.pull, web: RANK.push },
  wide: { app: RANK.pull, web: RANK.delete },
};
const SCOPE_OF_RANK = ['', 'pull', 'push', 'delete'] as const;
export const resourcesOf = (org: string, grants: Readonly<Record<string, number>>) =>
  Object.entries(grants).map(([repo, rank]) => ({ type: 'repository', path: `${org}/${repo}`, scopes: [SCOPE_OF_RANK[rank] as string] }));
/** True when the actor may hand out `wanted` on a token holding `held`: each grant within its ceiling or already held. */
export const mayGrant = (actor: string, org: string, wanted: Readonly<Record<string, number>>, held: Readonly<Record<string, number>>): boolean =>
  Object.entries(wanted).every(([repo, rank]) => rank <= ceilingRankOf(actor, org) || rank <= (held[repo] ?? 0));
export const limitOf = (org: string): number => (PLANS as Record<string, { maxTokens: number }>)[profileOf(org).plan]?.maxTokens ?? 0;
export const statusIn = (t: ModelToken, now: number): TokenStatus => (t.state !== 'deleted' && t.expiresAt !== null && now >= t.expiresAt ? 'expired' : t.state);
export const live = (m: ServiceModel, org: string): number => m.tokens.filter((t) => t.org === org && t.state !== 'deleted').length;

export function fail(message: string): never {
  throw new Error(`model: ${message}`);
}

/** Runs `op`, expecting success when `expected` is null and that OatError code otherwise. */
export async function expectOutcome<T>(real: ServiceReal, expected: OatErrorCode | null, op: () => Promise<T>, what: string): Promise<T | undefined> {
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
