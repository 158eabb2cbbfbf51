import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as registry from '../../src/registry/index.js';
import * as root from '../../src/index.js';
import {
  DOCKER_HUB_SCOPES,
  LIFECYCLE_OPERATIONS,
  createPolicy,
  decideTransition,
  isPlanEligible,
  safeParseCreateInput,
  tokenLimit,
  type LifecyclePolicy,
  type PolicyOptions,
  type ScopeDefinition,
  type TokenPolicy,
  type TransitionSource,
} from '../../src/index.js';
import { SEED_LIFECYCLE } from '../../src/core/lifecycle.js';
import { foldAsciiCase } from '../../src/core/ids.js';
import { unfrozen, vandalize } from './vandal.js';

const NOW = Date.UTC(2025, 5, 1);
const SOURCES: ReadonlyArray<TransitionSource> = ['none', 'active', 'inactive', 'expired', 'deleted'];
const STATUS_TOKEN = { active: 'active', inactive: 'inactive', deleted: 'deleted', expired: 'active' } as const;

/** Extra scopes that always form a valid extension: fresh names, aliases and inclusions of the same kind. */
const extraScopes: fc.Arbitrary<ScopeDefinition[]> = fc
  .array(
    fc.record({
      kind: fc.constantFrom('repository' as const, 'organization' as const),
      includeBase: fc.boolean(),
      aliased: fc.boolean(),
    }),
    { maxLength: 4 },
  )
  .map((specs) =>
    specs.map(({ kind, includeBase, aliased }, i) => ({
      name: `scope-extra-${i}`,
      kind,
      ...(includeBase ? { includes: [kind === 'repository' ? 'scope-image-pull' : 'scope-member-read'] } : {}),
      ...(aliased ? { aliases: [`extra-${i}`] } : {}),
    })),
  );

const plans = fc.dictionary(
  fc.constantFrom('team', 'business', 'tiny', 'free', 'pro'),
  fc.record({ maxTokens: fc.nat({ max: 5 }) }),
  { minKeys: 1 },
);

/** A custom lifecycle: the seed's table, deep-copied into plain mutable objects. */
const customLifecycle = fc
  .constant(null)
  .map((): LifecyclePolicy => JSON.parse(JSON.stringify(SEED_LIFECYCLE)) as LifecyclePolicy);

const options: fc.Arbitrary<PolicyOptions> = fc.record(
  {
    lifecycle: fc.oneof(fc.constantFrom('seed' as const, 'docker-hub-current' as const), customLifecycle),
    plans,
    extraScopes,
    maxRepositoryGrants: fc.integer({ min: 1, max: 4 }),
    maxExpiry: fc.oneof(fc.record({ days: fc.integer({ min: 1, max: 400 }) }), fc.record({ years: fc.constant(1) })),
    tokenPrefix: fc.constantFrom('oat_', 'dckr_oat_'),
  },
  { requiredKeys: [] },
);

/** Values a vandal writes: limits lifted, scopes widened, anything else. */
const pool = fc.array(
  fc.oneof(
    fc.constantFrom(0x7fffffff, -1, 0, 'scope-image-delete', 'pull', 'acme/*', null, undefined, [], {}),
    fc.anything({ maxDepth: 1 }),
  ),
  {
    minLength: 1,
    maxLength: 8,
  },
);

/** Everything the policy decides, as plain data. */
function decisions(policy: TokenPolicy): unknown {
  const names = [
    ...DOCKER_HUB_SCOPES.flatMap((d) => [d.name, ...(d.aliases ?? [])]),
    ...[0, 1, 2, 3].flatMap((i) => [`scope-extra-${i}`, `extra-${i}`]),
  ];
  const quota = ['team', 'business', 'tiny', 'free', 'pro', 'other'].map((plan) => [
    tokenLimit(policy.plans, plan),
    isPlanEligible(policy.plans, plan),
  ]);
  const catalog = names.map((n) => [
    policy.catalog.canonical(n),
    policy.catalog.kindOf(n),
    policy.catalog.repositoryBit(n),
    policy.catalog.organizationBit(n),
    policy.catalog.closure(n),
  ]);
  const transitions = SOURCES.flatMap((source) =>
    LIFECYCLE_OPERATIONS.map((operation) =>
      decideTransition(
        policy.lifecycle,
        source === 'none' ? null : { state: STATUS_TOKEN[source], expiresAt: source === 'expired' ? NOW - 1 : null },
        operation,
        NOW,
      ),
    ),
  );
  const repositories = Array.from(
    { length: 4 },
    (_, i): root.RawResource => ({ type: 'repository', path: `acme/app-${i}`, scopes: ['pull', 'scope-extra-0'] }),
  );
  const created = (
    [
      [1, '30d'],
      [2, '90d'],
      [3, '2025-06-20T00:00:00Z'],
      [4, '2026-05-01T00:00:00Z'],
    ] as const
  ).map(([n, expiry]) => {
    const parsed = safeParseCreateInput(
      { label: 'ci', resources: repositories.slice(0, n), expiry },
      { organization: 'acme', now: NOW, policy },
    );
    return parsed.ok ? parsed.value : parsed.fields;
  });
  const token = policy.format.generate((bytes) => {
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 37 + 11) & 0xff;
  });
  return {
    data: JSON.parse(JSON.stringify(policy)) as unknown,
    quota,
    catalog,
    definitions: JSON.parse(JSON.stringify(policy.catalog.definitions)) as unknown,
    transitions,
    created,
    format: [policy.format.check(token), policy.format.check(`${token}x`), policy.format.prefix, policy.format.length],
  };
}

describe('createPolicy copies and deep-freezes everything it is given', () => {
  it('keeps a plan limit of 1 when the caller raises maxTokens afterwards', () => {
    const table = { tiny: { maxTokens: 1 } };
    const policy = createPolicy({ plans: table });
    table.tiny.maxTokens = 4;
    (table as Record<string, { maxTokens: number }>)['huge'] = { maxTokens: 1000 };
    expect(tokenLimit(policy.plans, 'tiny')).toBe(1);
    expect(isPlanEligible(policy.plans, 'huge')).toBe(false);
    expect(policy.plans).not.toBe(table);
  });

  it('keeps the aliases and inclusions of extra scopes as they were given', () => {
    const sbom = {
      name: 'scope-sbom-read',
      kind: 'repository' as const,
      includes: ['scope-image-pull'],
      aliases: ['sbom'],
    };
    const policy = createPolicy({ extraScopes: [sbom] });
    sbom.aliases.push('push-everything');
    sbom.includes.push('scope-image-delete');
    expect(policy.catalog.definitions.find((d) => d.name === 'scope-sbom-read')).toEqual({
      name: 'scope-sbom-read',
      kind: 'repository',
      includes: ['scope-image-pull'],
      aliases: ['sbom'],
    });
    expect(policy.catalog.canonical('push-everything')).toBeUndefined();
  });

  it('reads a plan limit once: a getter cannot pass the check with one value and be kept with another', () => {
    let reads = 0;
    const limits = {
      get maxTokens() {
        reads++;
        return reads === 1 ? 1 : -1;
      },
    };
    const policy = createPolicy({ plans: { tiny: limits } });
    expect(policy.plans['tiny']).toEqual({ maxTokens: 1 });
    expect(reads).toBe(1);
  });

  it('reads a lifecycle cell once: a getter cannot pass the check with one target and be kept with another', () => {
    const table = JSON.parse(JSON.stringify(SEED_LIFECYCLE.table)) as Record<string, Record<string, unknown>>;
    let reads = 0;
    (table['active'] as Record<string, unknown>)['update'] = {
      get to() {
        reads++;
        return reads <= 2 ? 'active' : 'bogus';
      },
    };
    const policy = createPolicy({ lifecycle: { name: 'tricky', table: table as unknown as LifecyclePolicy['table'] } });
    expect(policy.lifecycle.table.active.update).toEqual({ to: 'active' });
    expect(reads).toBe(1);
  });

  it('keeps a plan named __proto__ as a plan, never as the prototype of the table', () => {
    const policy = createPolicy({
      plans: JSON.parse('{"__proto__": {"maxTokens": 3}}') as Record<string, { maxTokens: number }>,
    });
    expect(Object.getPrototypeOf(policy.plans)).toBe(Object.prototype);
    expect(tokenLimit(policy.plans, '__proto__')).toBe(3);
    expect(isPlanEligible(policy.plans, 'team')).toBe(false);
  });

  it(
    'property: a plan name is accepted exactly when quota lookups can reach it (no ASCII upper case; other ' +
      'letters kept as given), and is then found in any ASCII case',
    () => {
      const name = fc.oneof(
        fc.constantFrom('team', 'Team', 'équipe', 'Équipe', 'ΔΕΛΤΑ', '\u212Aiosk', 'kiosk-Ä', 'pro_MAX'),
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }),
      );
      fc.assert(
        fc.property(name, fc.nat({ max: 9 }), (plan, maxTokens) => {
          const reachable = foldAsciiCase(plan) === plan;
          let policy: TokenPolicy | undefined;
          try {
            policy = createPolicy({ plans: { [plan]: { maxTokens } } });
          } catch (error) {
            expect(error).toMatchObject({ code: 'MISCONFIGURED' });
          }
          expect(policy !== undefined).toBe(reachable);
          if (policy === undefined) return;
          const shouted = plan.replace(/[a-z]/g, (c) => c.toUpperCase());
          for (const asked of [plan, shouted]) expect(tokenLimit(policy.plans, asked)).toBe(maxTokens);
        }),
      );
    },
  );

  it('refuses extra scopes that are not an array with MISCONFIGURED', () => {
    expect(() => createPolicy({ extraScopes: 5 as never })).toThrow(expect.objectContaining({ code: 'MISCONFIGURED' }));
  });

  it(
    'property: changing the options or anything reachable from the policy (through casts) never changes a ' +
      'later decision',
    () => {
      fc.assert(
        fc.property(options, pool, pool, (given, optionValues, policyValues) => {
          const policy = createPolicy(given);
          const before = decisions(policy);
          expect(unfrozen(policy)).toEqual([]);
          vandalize(given, optionValues);
          vandalize(policy, policyValues);
          expect(decisions(policy)).toEqual(before);
        }),
        { numRuns: 60 },
      );
    },
  );
});

describe('exported constants are deeply frozen', () => {
  const constants = [
    ...Object.entries(root),
    ...Object.entries(registry).map(([name, value]) => [`registry.${name}`, value] as const),
  ].filter(([, value]) => typeof value === 'object' && value !== null);

  it('covers the constants that carry data (the list is not empty)', () => {
    const names = constants.map(([name]) => name);
    for (const name of [
      'DOCKER_HUB_SCOPES',
      'DEFAULT_SCOPE_CATALOG',
      'DOCKER_HUB_PLANS',
      'DEFAULT_POLICY',
      'LIFECYCLE_PRESETS',
      'registry.REGISTRY_ACTIONS',
    ]) {
      expect(names).toContain(name);
    }
  });

  it.each(constants)('%s: every object or array reachable from it is frozen', (_, value) => {
    expect(unfrozen(value)).toEqual([]);
  });

  it('the built-in aliases cannot be extended to smuggle a scope into a later catalog', () => {
    const pull = DOCKER_HUB_SCOPES.find((d) => d.name === 'scope-image-pull') as ScopeDefinition;
    expect(() => (pull.aliases as string[]).push('admin')).toThrow(TypeError);
    expect(createPolicy({ extraScopes: [] }).catalog.canonical('admin')).toBeUndefined();
  });
});
