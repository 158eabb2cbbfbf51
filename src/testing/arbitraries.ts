import fc from 'fast-check';
import type { RawResource, RepositoryRequest } from '../core/grants.js';
import { toOrganizationId, type OrganizationId, type OrganizationName, type TokenId } from '../core/ids.js';
import { normalizeNetwork } from '../core/networks.js';
import type { CreateTokenRequest } from '../core/requests.js';
import { DEFAULT_SCOPE_CATALOG, type ResourceKind } from '../core/scopes.js';
import {
  freezeRecord,
  PUBLIC_REPOSITORIES_PATH,
  type AccessTokenRecord,
  type EpochMillis,
  type Resource,
  type TokenState,
} from '../core/token.js';

const lowerAlnum = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'.split(''));

/** Organization names: short lower-case names that `toOrganizationName` accepts. */
export function organizationNameArbitrary(): fc.Arbitrary<OrganizationName> {
  return fc.string({ unit: lowerAlnum, minLength: 2, maxLength: 12 }).map((s) => s as OrganizationName);
}

/** CIDR ranges in normal form (see `normalizeNetwork`), IPv4 or IPv6, any prefix length. */
export function networkArbitrary(): fc.Arbitrary<string> {
  return fc
    .oneof(fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 32 })), fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 128 })))
    .map(([address, prefix]) => normalizeNetwork(`${address}/${prefix}`) ?? '0.0.0.0/0');
}

/** Repository name segments (`app`, `web-2`, ...). */
export function repositoryNameArbitrary(): fc.Arbitrary<string> {
  return fc
    .tuple(
      fc.string({ unit: lowerAlnum, minLength: 1, maxLength: 8 }),
      fc.option(fc.string({ unit: lowerAlnum, minLength: 1, maxLength: 4 }), { nil: undefined }),
    )
    .map(([a, b]) => (b === undefined ? a : `${a}-${b}`));
}

/** Canonical scope names of one kind from the default catalog. */
export function scopeArbitrary(kind: ResourceKind): fc.Arbitrary<string> {
  return fc.constantFrom(...DEFAULT_SCOPE_CATALOG.definitions.filter((d) => d.kind === kind).map((d) => d.name));
}

/**
 * Valid raw resources for a token of `organization`: exact repositories,
 * an `org/*` glob, `*\/*\/public` pull, and an organization grant, without
 * duplicate paths. In our shape or Docker Hub's (`TYPE_REPO` / `TYPE_ORG`).
 */
export function resourcesArbitrary(
  organization: string,
  options: { readonly maxRepositories?: number } = {},
): fc.Arbitrary<RawResource[]> {
  const repoScopes = fc.uniqueArray(
    fc.oneof(scopeArbitrary('repository'), fc.constantFrom('pull', 'push', 'repo-pull')),
    { minLength: 1, maxLength: 3 },
  );
  const exact = fc.uniqueArray(repositoryNameArbitrary(), { maxLength: options.maxRepositories ?? 5 });
  return fc
    .record({
      names: exact,
      scopes: fc.array(repoScopes, { minLength: 8, maxLength: 8 }),
      glob: fc.option(repoScopes, { nil: undefined }),
      publicPull: fc.boolean(),
      management: fc.option(fc.uniqueArray(scopeArbitrary('organization'), { minLength: 1, maxLength: 3 }), {
        nil: undefined,
      }),
      hubShape: fc.boolean(),
    })
    .map(({ names, scopes, glob, publicPull, management, hubShape }) => {
      const repo = hubShape ? ('TYPE_REPO' as const) : ('repository' as const);
      const out: RawResource[] = names.map((name, i) => ({
        type: repo,
        path: `${organization}/${name}`,
        scopes: scopes[i % scopes.length] ?? ['pull'],
      }));
      if (glob !== undefined) out.push({ type: repo, path: `${organization}/*`, scopes: glob });
      if (publicPull) out.push({ type: repo, path: PUBLIC_REPOSITORIES_PATH, scopes: ['scope-image-pull'] });
      if (management !== undefined)
        out.push({ type: hubShape ? 'TYPE_ORG' : 'organization', path: organization, scopes: management });
      if (out.length === 0) out.push({ type: repo, path: `${organization}/app`, scopes: ['pull'] });
      return out;
    });
}

/**
 * Valid create requests for `organization`, in either accepted shape, with
 * every expiry form (a custom one as epoch milliseconds, an ISO string or a
 * `Date`). Custom expiries lie between a minute and 360 days after `now`
 * (epoch milliseconds): pass the time of the clock the service under test
 * reads (a fake clock's `now()`), or they may already be past when validated.
 */
export function createInputArbitrary(organization: string, now: EpochMillis): fc.Arbitrary<CreateTokenRequest> {
  const label = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim().length > 0);
  const customExpiry = fc
    .tuple(fc.integer({ min: 60_000, max: 360 * 24 * 3600 * 1000 }), fc.constantFrom('ms', 'iso', 'date'))
    .map(([ms, form]) =>
      form === 'ms' ? now + ms : form === 'iso' ? new Date(now + ms).toISOString() : new Date(now + ms),
    );
  return fc
    .record({
      label,
      description: fc.option(fc.string({ maxLength: 200 }), { nil: undefined }),
      resources: resourcesArbitrary(organization),
      expiry: fc.oneof(fc.constant(undefined), fc.constantFrom('none', '30d', '90d'), customExpiry),
      hubExpiry: fc.boolean(),
    })
    .map(({ label, description, resources, expiry, hubExpiry }): CreateTokenRequest => {
      const custom = expiry !== undefined && expiry !== 'none' && expiry !== '30d' && expiry !== '90d';
      return {
        label,
        resources,
        ...(description === undefined ? {} : { description }),
        // Hub's JSON carries ISO strings only.
        ...(custom && hubExpiry
          ? { expires_at: new Date(expiry).toISOString() }
          : expiry === undefined
            ? {}
            : { expiry }),
      };
    });
}

/**
 * Repository authorization requests around `organization`: its repositories,
 * other organizations', public and private. Pass the repositories a token is
 * granted as `known` so that hits are common, not only misses.
 */
export function authorizationRequestArbitrary(
  organization: string,
  known: ReadonlyArray<string> = [],
): fc.Arbitrary<{ request: RepositoryRequest; action: string }> {
  const own = repositoryNameArbitrary().map((n) => `${organization}/${n}`);
  const foreign = fc.tuple(organizationNameArbitrary(), repositoryNameArbitrary()).map(([o, n]) => `${o}/${n}`);
  const repository =
    known.length === 0
      ? fc.oneof(own, foreign)
      : fc.oneof(
          { weight: 2, arbitrary: fc.constantFrom(...known) },
          { weight: 1, arbitrary: own },
          { weight: 1, arbitrary: foreign },
        );
  return fc.record({
    request: fc.record({ repository, visibility: fc.constantFrom('public' as const, 'private' as const) }),
    action: fc.oneof(fc.constantFrom('pull', 'push', 'delete'), scopeArbitrary('repository')),
  });
}

const HEX = fc.constantFrom(...'0123456789abcdef'.split(''));
const hex = (n: number) => fc.string({ unit: HEX, minLength: n, maxLength: n });

/** UUID-shaped token ids. */
export function tokenIdArbitrary(): fc.Arbitrary<TokenId> {
  return fc.tuple(hex(8), hex(4), hex(4), hex(4), hex(12)).map((p) => p.join('-') as TokenId);
}

/** Organization ids as hosts make them: UUIDs, numbers, slugs, and any printable text up to 255 characters. */
export function organizationIdArbitrary(): fc.Arbitrary<OrganizationId> {
  const printable = fc.string({ minLength: 1, maxLength: 255 }).filter((s) => toOrganizationId(s) !== null);
  return fc
    .oneof(tokenIdArbitrary(), fc.nat().map(String), organizationNameArbitrary(), printable)
    .map((s) => s as string as OrganizationId);
}

/**
 * Frozen, internally consistent token records (validated resources, version >= 1, instants in order, as epoch
 * milliseconds).
 */
export function tokenRecordArbitrary(
  options: { readonly organization?: string; readonly states?: ReadonlyArray<TokenState> } = {},
): fc.Arbitrary<AccessTokenRecord> {
  const org =
    options.organization === undefined
      ? organizationNameArbitrary()
      : fc.constant(options.organization as OrganizationName);
  return org.chain((organization) =>
    fc
      .record({
        id: tokenIdArbitrary(),
        organizationId: organizationIdArbitrary(),
        label: fc
          .string({ minLength: 1, maxLength: 100 })
          .map((s) => s.trim())
          .filter((s) => s.length > 0),
        description: fc.string({ maxLength: 200 }),
        createdBy: fc.string({ unit: lowerAlnum, minLength: 1, maxLength: 12 }),
        createdAt: fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2027, 0, 1) }),
        lifetime: fc.option(fc.integer({ min: 1, max: 366 * 24 * 3600 * 1000 }), { nil: null }),
        used: fc.option(fc.integer({ min: 0, max: 30 * 24 * 3600 * 1000 }), { nil: null }),
        state: fc.constantFrom(...(options.states ?? (['active', 'inactive', 'deleted'] as const))),
        repos: fc.uniqueArray(repositoryNameArbitrary(), { minLength: 1, maxLength: 4 }),
        push: fc.boolean(),
        secretHash: fc.string({
          unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split('')),
          minLength: 43,
          maxLength: 43,
        }),
        version: fc.integer({ min: 1, max: 1000 }),
        allowedNetworks: fc.uniqueArray(networkArbitrary(), { maxLength: 3 }),
        // A range's base address is an address in normal form.
        recentAddresses: fc.uniqueArray(
          networkArbitrary().map((n) => n.slice(0, n.indexOf('/'))),
          { maxLength: 5 },
        ),
      })
      .map((r) => {
        const resources: Resource[] = r.repos.map((name) => ({
          type: 'repository',
          path: `${organization}/${name}`,
          scopes: r.push ? ['scope-image-pull', 'scope-image-push'] : ['scope-image-pull'],
        }));
        return freezeRecord<AccessTokenRecord>({
          id: r.id,
          organizationId: r.organizationId,
          organization,
          label: r.label,
          description: r.description,
          createdBy: r.createdBy,
          createdAt: r.createdAt,
          updatedAt: r.createdAt,
          expiresAt: r.lifetime === null ? null : r.createdAt + r.lifetime,
          lastUsedAt: r.used === null ? null : r.createdAt + r.used,
          state: r.state,
          resources,
          secretHash: r.secretHash,
          displayPrefix: 'oat_' + r.secretHash.slice(0, 4).replace(/[-_]/g, 'x'),
          version: r.version,
          allowedNetworks: r.allowedNetworks,
          recentAddresses: r.recentAddresses,
        });
      }),
  );
}
