import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ResourceKind, ScopeDefinition } from '../../src/index.js';
import {
  DEFAULT_SCOPE_CATALOG,
  DOCKER_HUB_SCOPES,
  PULL_SCOPE,
  authorize,
  compileGrants,
  createScopeCatalog,
  isOatError,
} from '../../src/index.js';
import { impliedScopes } from './reference.js';

function misconfigured(
  extra: ReadonlyArray<ScopeDefinition>,
  base?: ReadonlyArray<ScopeDefinition>,
): string | undefined {
  try {
    createScopeCatalog(extra, base);
  } catch (error) {
    if (isOatError(error) && error.code === 'MISCONFIGURED') return error.message;
    throw error;
  }
  return undefined;
}

const ALL_NAMES = DOCKER_HUB_SCOPES.flatMap((d) => [d.name, ...(d.aliases ?? [])]);

describe("Docker Hub's catalog", () => {
  it('resolves every name and alias to its scope and kind, and nothing else', () => {
    for (const def of DOCKER_HUB_SCOPES) {
      for (const name of [def.name, ...(def.aliases ?? [])]) {
        expect(DEFAULT_SCOPE_CATALOG.canonical(name)).toBe(def.name);
        expect(DEFAULT_SCOPE_CATALOG.kindOf(name)).toBe(def.kind);
        const bit =
          def.kind === 'repository'
            ? DEFAULT_SCOPE_CATALOG.repositoryBit(name)
            : DEFAULT_SCOPE_CATALOG.organizationBit(name);
        expect(bit).not.toBe(0);
      }
    }
    fc.assert(
      fc.property(fc.string(), (name) => {
        fc.pre(!ALL_NAMES.includes(name));
        expect(DEFAULT_SCOPE_CATALOG.canonical(name)).toBeUndefined();
        expect(DEFAULT_SCOPE_CATALOG.closure(name)).toBe(0);
      }),
    );
    expect(PULL_SCOPE).toBe('scope-image-pull');
    expect(DEFAULT_SCOPE_CATALOG.canonical('push')).toBe('scope-image-push');
    expect(DEFAULT_SCOPE_CATALOG.canonical('repo-delete')).toBe('scope-image-delete');
  });

  it('has closures that are exactly the inclusion chains walked from the definitions', () => {
    for (const def of DOCKER_HUB_SCOPES) {
      expect(DEFAULT_SCOPE_CATALOG.names(def.kind, DEFAULT_SCOPE_CATALOG.closure(def.name))).toEqual(
        DOCKER_HUB_SCOPES.filter((d) => impliedScopes(def.name).has(d.name)).map((d) => d.name),
      );
    }
  });

  it('gives each scope its own bit within its kind, and none across kinds', () => {
    for (const kind of ['repository', 'organization'] as const) {
      const defs = DOCKER_HUB_SCOPES.filter((d) => d.kind === kind);
      const bitOf = (name: string) =>
        kind === 'repository' ? DEFAULT_SCOPE_CATALOG.repositoryBit(name) : DEFAULT_SCOPE_CATALOG.organizationBit(name);
      const bits = defs.map((d) => bitOf(d.name));
      expect(new Set(bits).size).toBe(defs.length);
      for (const d of defs) {
        const own =
          kind === 'repository'
            ? DEFAULT_SCOPE_CATALOG.repositoryBit(d.name)
            : DEFAULT_SCOPE_CATALOG.organizationBit(d.name);
        const other =
          kind === 'repository'
            ? DEFAULT_SCOPE_CATALOG.organizationBit(d.name)
            : DEFAULT_SCOPE_CATALOG.repositoryBit(d.name);
        expect(own & (own - 1)).toBe(0);
        expect(own).not.toBe(0);
        expect(other).toBe(0);
      }
    }
  });

  it('is frozen', () => {
    expect(Object.isFrozen(DOCKER_HUB_SCOPES)).toBe(true);
    expect(DOCKER_HUB_SCOPES.every((d) => Object.isFrozen(d))).toBe(true);
    expect(Object.isFrozen(DEFAULT_SCOPE_CATALOG)).toBe(true);
  });
});

describe('createScopeCatalog with extra scopes', () => {
  it('adds scopes whose inclusions reach into the base chains', () => {
    const catalog = createScopeCatalog([
      { name: 'scope-sbom-read', kind: 'repository', includes: ['scope-image-pull'], aliases: ['sbom'] },
      { name: 'scope-sbom-admin', kind: 'repository', includes: ['scope-sbom-read'] },
      { name: 'scope-billing-read', kind: 'organization' },
    ]);
    expect(catalog.names('repository', catalog.closure('scope-sbom-admin'))).toEqual([
      'scope-image-pull',
      'scope-sbom-read',
      'scope-sbom-admin',
    ]);
    expect(catalog.canonical('sbom')).toBe('scope-sbom-read');
    expect(catalog.kindOf('scope-billing-read')).toBe('organization');
    const grants = compileGrants('acme', [{ type: 'repository', path: 'acme/app', scopes: ['scope-sbom-admin'] }], {
      catalog,
      maxRepositoryGrants: 50,
    });
    expect(authorize(grants, { repository: 'acme/app' }, 'pull')).toEqual({ allowed: true });
    expect(authorize(grants, { repository: 'acme/app' }, 'sbom')).toEqual({ allowed: true });
    expect(authorize(grants, { repository: 'acme/app' }, 'push')).toEqual({
      allowed: false,
      code: 'SCOPE_NOT_GRANTED',
    });
  });

  it('agrees with a walk of the includes edges for random acyclic extensions', () => {
    // Each new scope may include scopes defined before it (base or new), of its own kind: always acyclic.
    const extension = fc
      .array(
        fc.record({
          kind: fc.constantFrom<ResourceKind>('repository', 'organization'),
          picks: fc.array(fc.nat(), { maxLength: 3 }),
        }),
        { maxLength: 10 },
      )
      .map((specs) => {
        const defs: ScopeDefinition[] = [];
        specs.forEach(({ kind, picks }, i) => {
          const candidates = [...DOCKER_HUB_SCOPES, ...defs].filter((d) => d.kind === kind).map((d) => d.name);
          const includes = [...new Set(picks.map((p) => candidates[p % candidates.length] as string))];
          defs.push({ name: `scope-extra-${i}`, kind, includes });
        });
        return defs;
      });
    fc.assert(
      fc.property(extension, (extra) => {
        const catalog = createScopeCatalog(extra);
        const all = [...DOCKER_HUB_SCOPES, ...extra];
        for (const def of all) {
          expect(catalog.names(def.kind, catalog.closure(def.name))).toEqual(
            all.filter((d) => d.kind === def.kind && impliedScopes(def.name, all).has(d.name)).map((d) => d.name),
          );
        }
      }),
      { numRuns: 200 },
    );
  });

  it('throws MISCONFIGURED for a duplicate name', () => {
    expect(misconfigured([{ name: 'scope-image-pull', kind: 'repository' }])).toMatch(/defined twice/);
    expect(
      misconfigured([
        { name: 'x', kind: 'repository' },
        { name: 'x', kind: 'organization' },
      ]),
    ).toMatch(/defined twice/);
  });

  it('throws MISCONFIGURED for a name or alias that already stands for another scope', () => {
    expect(misconfigured([{ name: 'pull', kind: 'repository' }])).toBeDefined();
    expect(misconfigured([{ name: 'repo-push', kind: 'repository' }])).toBeDefined();
    expect(misconfigured([{ name: 'x', kind: 'repository', aliases: ['push'] }])).toBeDefined();
    expect(misconfigured([{ name: 'x', kind: 'repository', aliases: ['scope-image-pull'] }])).toBeDefined();
    expect(
      misconfigured([{ name: 'b', kind: 'repository' }], [{ name: 'a', kind: 'repository', aliases: ['b'] }]),
    ).toBeDefined();
    fc.assert(
      fc.property(fc.constantFrom(...ALL_NAMES), fc.boolean(), (taken, asAlias) => {
        const extra: ScopeDefinition = asAlias
          ? { name: 'scope-new', kind: 'repository', aliases: [taken] }
          : { name: taken, kind: 'organization' };
        expect(misconfigured([extra])).toBeDefined();
      }),
      { numRuns: 200 },
    );
    expect(misconfigured([{ name: 'x', kind: 'repository', aliases: ['x', 'y'] }])).toBeUndefined();
  });

  it('throws MISCONFIGURED for an unknown inclusion, a cycle, or a cross-kind inclusion', () => {
    expect(misconfigured([{ name: 'x', kind: 'repository', includes: ['scope-nope'] }])).toMatch(/unknown scope/);
    expect(misconfigured([{ name: 'x', kind: 'repository', includes: ['x'] }])).toMatch(/cycle/);
    expect(
      misconfigured([
        { name: 'x', kind: 'repository', includes: ['z'] },
        { name: 'y', kind: 'repository', includes: ['x'] },
        { name: 'z', kind: 'repository', includes: ['y'] },
      ]),
    ).toMatch(/cycle/);
    expect(misconfigured([{ name: 'x', kind: 'organization', includes: ['scope-image-pull'] }])).toMatch(
      /another kind/,
    );
  });

  it('throws MISCONFIGURED past 31 scopes of one kind', () => {
    const repositoryCount = DOCKER_HUB_SCOPES.filter((d) => d.kind === 'repository').length;
    const more = (n: number): ScopeDefinition[] =>
      Array.from({ length: n }, (_, i) => ({ name: `scope-more-${i}`, kind: 'repository' }));
    expect(misconfigured(more(31 - repositoryCount))).toBeUndefined();
    expect(misconfigured(more(32 - repositoryCount))).toMatch(/More than 31/);
  });
});

describe('scope names that could collide', () => {
  it(
    'refuses names and aliases with spaces or control characters, which registry scopes and shared scope ' +
      'lists cannot tell apart',
    () => {
      for (const extra of [
        [{ name: 'x y', kind: 'repository' }],
        [{ name: 'scope-x', kind: 'repository', aliases: ['a b'] }],
        [{ name: 'scope-\u0000', kind: 'repository' }],
      ]) {
        expect(() => createScopeCatalog(extra as never)).toThrow(expect.objectContaining({ code: 'MISCONFIGURED' }));
      }
    },
  );
});
