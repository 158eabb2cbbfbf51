import type { Actor, OrganizationProfile } from '../../core/access.js';
import type { RandomSource } from '../../core/format.js';
import type { RawResource } from '../../core/grants.js';
import type { TokenState, TokenStatus } from '../../core/token.js';
import { isOatError, type OatErrorCode } from '../../errors.js';
import type { TokenEvent, TokenStore } from '../../service/ports.js';
import type { TokenService } from '../../service/service.js';
import type { FakeClock } from '../fake-clock.js';
import type { NetworkChoice } from './networks.js';

/** Options for {@link checkTokenServiceModel}. */
export interface ServiceModelOptions {
  /** A fresh, empty store for each run; `cleanup` runs after the run. */
  readonly makeStore: () => Promise<{
    readonly store: TokenStore;
    /** Runs after the run, to close what the store opened. */
    readonly cleanup?: () => Promise<void>;
  }>;
  /** Default `seed`. */
  readonly lifecycle?: 'seed' | 'docker-hub-current';
  /** Default 100. */
  readonly numRuns?: number;
  /** Most commands per run. Default 40. */
  readonly maxCommands?: number;
  /** Pass a seed to replay a failure. */
  readonly seed?: number;
  /**
   * The store has the rotation capability (`TokenRotationStore`): the service
   * runs with rotation and reuse detection on, and the runs rotate tokens and
   * log in with retired secrets too. Default `false`.
   */
  readonly rotation?: boolean;
}

/** One token as the model sees it. */
export interface ModelToken {
  readonly id: string;
  /** The id of the organization that owns it: renames keep it, a new holder of the name never gets it. */
  readonly orgId: string;
  /**
   * The organization name on the stored row, and of its stored grants: the name at creation, whatever renames follow.
   */
  readonly createdUnder: string;
  readonly createdAt: number;
  state: TokenState;
  readonly expiresAt: number | null;
  /** The secret that logs in now: a rotation replaces it. */
  secret: string;
  /** Secrets rotations retired, oldest first (runs with rotation only). */
  retired?: ReadonlyArray<{ readonly secret: string; readonly graceEndsAt: number; readonly forgetAt: number }>;
  lastUsedAt: number | null;
  label: string;
  /** Rank held per repository name, see `GRANTS`. */
  grants: Readonly<Record<string, number>>;
  /** The allow-list the token holds, see `NETWORKS`. */
  networks: NetworkChoice;
}

/**
 * One organization as the model sees it: the rules of one of
 * {@link MODEL_ORGANIZATIONS} (its slot) under an id and names that commands
 * change, as a host's directory would: renames, a successor taking the name.
 */
export interface ModelOrganization {
  readonly id: string;
  /** Index into {@link MODEL_ORGANIZATIONS}: owners, managers and plan, which never change. */
  readonly slot: number;
  /** Every name held, oldest first; the last is the current one while `inDirectory`. */
  readonly names: string[];
  /** False once a successor took its name: the directory no longer knows the id. */
  inDirectory: boolean;
  /** The profile's `maxTokenLifetimeDays`; `undefined` when the profile has no such field. */
  cap: number | null | undefined;
}

/** The simple model the service is checked against. */
export interface ServiceModel {
  readonly tokens: ModelToken[];
  /** Every organization the run has known, in the directory or not. */
  readonly organizations: ModelOrganization[];
  now: number;
  readonly lifecycle: 'seed' | 'docker-hub-current';
}

/** The system under test, with what it has said so far. */
export interface ServiceReal {
  readonly service: TokenService;
  readonly store: TokenStore;
  readonly clock: FakeClock;
  /** The host's directory the service reads, by name: commands rename organizations and give names away here. */
  readonly directory: Map<string, OrganizationProfile>;
  readonly events: TokenEvent[];
  /** Errors thrown by operations, to check they never hold a secret. */
  readonly errors: unknown[];
  /** Counts an outcome, so a run can show which paths it exercised. */
  readonly tally: (outcome: string) => void;
  /**
   * The service's `random` option: bytes drawn from the run's arbitraries, so a failing run replays with its secrets.
   */
  readonly random: RandomSource;
}

export const DAY = 24 * 3600 * 1000;
export const LAST_USED_INTERVAL = 60_000;
export const PLANS = { small: { maxTokens: 3 }, team: { maxTokens: 10 } } as const;

/** The organizations the model starts with: one per rule worth exercising. */
export const MODEL_ORGANIZATIONS: ReadonlyArray<OrganizationProfile> = Object.freeze([
  // Ids unlike the names, so a service or store that keys by name where it should key by id fails the run.
  // tim and eve manage acme's tokens through a custom role, and nothing anywhere else: tim up to push, eve (no
  // ceiling stated) up to the default, pull.
  {
    id: 'org-1',
    name: 'acme',
    plan: 'small',
    owners: ['alice'],
    tokenManagers: [
      { username: 'tim', ceiling: [{ type: 'repository', path: 'acme/*', scopes: ['push'] }] },
      { username: 'eve' },
    ],
  },
  // globex caps token lifetime at 60 days: tokens that never expire, or last 90 days, are refused.
  {
    id: 'org-2',
    name: 'globex',
    plan: 'team',
    owners: ['bob'],
    company: { name: 'corp', owners: ['carol'] },
    maxTokenLifetimeDays: 60,
  },
  { id: 'org-3', name: 'initech', plan: 'free', owners: ['alice'] },
  { id: 'org-4', name: 'umbrella', plan: 'team', owners: ['alice'], imageAccessManagement: true },
]);
/** The slots of the model, by the name each starts with; commands name a slot, resolved to whoever holds it now. */
export const ORGS = MODEL_ORGANIZATIONS.map((o) => o.name);
/** Names organizations may take: two more than there are organizations, so a rename always finds a free one. */
export const NAME_POOL: ReadonlyArray<string> = [...ORGS, 'apex', 'zenith'];
export const ACTORS: Readonly<Record<string, Actor>> = {
  alice: { username: 'alice' },
  bob: { username: 'BOB' },
  carol: { username: 'carol' },
  eve: { username: 'eve' },
  tim: { username: 'Tim' },
  mallory: { username: 'mallory' },
};

/** The organizations a run starts with: each slot's profile under its own id and name. */
export const initialOrganizations = (): ModelOrganization[] =>
  MODEL_ORGANIZATIONS.map((p, slot) => ({
    id: p.id,
    slot,
    names: [p.name],
    inDirectory: true,
    cap: p.maxTokenLifetimeDays,
  }));
const templateOf = (o: ModelOrganization): OrganizationProfile => MODEL_ORGANIZATIONS[o.slot] as OrganizationProfile;
export const nameOf = (o: ModelOrganization): string => o.names[o.names.length - 1] as string;
/** The name before the last rename, or the current one when there was none. */
export const formerNameOf = (o: ModelOrganization): string => o.names[o.names.length - 2] ?? nameOf(o);
/** The organization in a slot now. */
export const holderOf = (m: Readonly<ServiceModel>, slot: string): ModelOrganization =>
  m.organizations.find((o) => o.inDirectory && o.slot === ORGS.indexOf(slot)) as ModelOrganization;
/** What the directory answers for a name: the organization holding it, or null. */
export const resolveName = (m: Readonly<ServiceModel>, name: string): ModelOrganization | null =>
  m.organizations.find((o) => o.inDirectory && nameOf(o) === name) ?? null;
export const organizationOf = (m: Readonly<ServiceModel>, t: ModelToken): ModelOrganization =>
  m.organizations.find((o) => o.id === t.orgId) as ModelOrganization;
/** The cap in force: the profile's, else the policy's (none in the model). */
export const capOf = (o: ModelOrganization): number | null => o.cap ?? null;

/**
 * The profile the host's directory hands out for `o`: its slot's rules under its id, name and cap, ceilings naming the
 * current name.
 */
function profileFor(o: ModelOrganization): OrganizationProfile {
  const { maxTokenLifetimeDays: _, ...template } = templateOf(o);
  const name = nameOf(o);
  const rename = (path: string) =>
    path.startsWith(`${template.name}/`) ? `${name}${path.slice(template.name.length)}` : path;
  return Object.freeze({
    ...template,
    id: o.id,
    name,
    ...(template.tokenManagers === undefined
      ? {}
      : {
          tokenManagers: template.tokenManagers.map((m) =>
            m.ceiling === undefined ? m : { ...m, ceiling: m.ceiling.map((r) => ({ ...r, path: rename(r.path) })) },
          ),
        }),
    ...(o.cap === undefined ? {} : { maxTokenLifetimeDays: o.cap }),
  });
}

/** Brings the real directory in step with the model's: the host's side of a rename, a succession or a new cap. */
export function publishDirectory(m: Readonly<ServiceModel>, r: ServiceReal): void {
  r.directory.clear();
  for (const o of m.organizations) if (o.inDirectory) r.directory.set(nameOf(o), profileFor(o));
}

/**
 * Who acts, by role: resolved against the organization at run time, so most commands reach past the management check.
 */
export type Role = 'owner' | 'company-owner' | 'token-manager' | 'pull-manager' | 'outsider';
export const actorFor = (role: Role, o: ModelOrganization): string => {
  const p = templateOf(o);
  if (role === 'outsider') return 'mallory';
  if (role === 'token-manager') return 'tim';
  if (role === 'pull-manager') return 'eve';
  return (role === 'company-owner' ? p.company?.owners[0] : undefined) ?? (p.owners[0] as string);
};
export const mayManage = (actor: string, o: ModelOrganization): boolean => {
  const p = templateOf(o);
  return (
    p.owners.includes(actor) ||
    (p.company?.owners.includes(actor) ?? false) ||
    (p.tokenManagers ?? []).some((m) => m.username === actor)
  );
};
/** Scope ranks of the image chain, the model's own statement of "includes": delete > push > pull. */
export const RANK = { pull: 1, push: 2, delete: 3 } as const;
/**
 * The most an actor may grant on one of the organization's repositories, as a rank; 0 for someone who may not manage
 * it.
 */
const ceilingRankOf = (actor: string, o: ModelOrganization): number => {
  const p = templateOf(o);
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
export const resourcesOf = (org: string, grants: Readonly<Record<string, number>>): RawResource[] =>
  Object.entries(grants).map(([repo, rank]) => ({
    type: 'repository',
    path: `${org}/${repo}`,
    scopes: [SCOPE_OF_RANK[rank] as string],
  }));
/**
 * True when the actor may hand out `wanted` on a token holding `held`: each grant within its ceiling or already held.
 */
export const mayGrant = (
  actor: string,
  o: ModelOrganization,
  wanted: Readonly<Record<string, number>>,
  held: Readonly<Record<string, number>>,
): boolean =>
  Object.entries(wanted).every(([repo, rank]) => rank <= ceilingRankOf(actor, o) || rank <= (held[repo] ?? 0));
export const limitOf = (o: ModelOrganization): number =>
  (PLANS as Record<string, { maxTokens: number }>)[templateOf(o).plan]?.maxTokens ?? 0;
export const statusIn = (t: ModelToken, now: number): TokenStatus =>
  t.state !== 'deleted' && t.expiresAt !== null && now >= t.expiresAt ? 'expired' : t.state;
export const live = (m: ServiceModel, orgId: string): number =>
  m.tokens.filter((t) => t.orgId === orgId && t.state !== 'deleted').length;

export function fail(message: string): never {
  throw new Error(`model: ${message}`);
}

/** Runs `op`, expecting success when `expected` is null and that OatError code otherwise. */
export async function expectOutcome<T>(
  real: ServiceReal,
  expected: OatErrorCode | null,
  op: () => Promise<T>,
  what: string,
): Promise<T | undefined> {
  try {
    const value = await op();
    if (expected !== null) fail(`${what} succeeded, expected ${expected}`);
    return value;
  } catch (error) {
    real.errors.push(error);
    if (!isOatError(error)) throw error;
    if (error.code !== expected)
      fail(`${what} threw ${error.code} (${error.message}), expected ${expected ?? 'success'}`);
    return undefined;
  }
}
