import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  authorize,
  compileGrants,
  reachesPublicRepositories,
  validateResources,
  type CompiledGrants,
  type RawResource,
} from '../../src/core/grants.js';
import { DEFAULT_SCOPE_CATALOG } from '../../src/core/scopes.js';
import {
  REGISTRY_ACTIONS,
  grantScopes,
  requestedActions,
  type AnonymousAccess,
  type RegistryAction,
} from '../../src/registry/grant.js';
import { parseScope, type RegistryScope } from '../../src/registry/scope.js';
import { repositoryNameArbitrary, resourcesArbitrary } from '../../src/testing/arbitraries.js';

const ORG = 'acme';

function compile(raw: ReadonlyArray<RawResource>, org = ORG): CompiledGrants {
  const checked = validateResources(raw, {
    organization: org,
    catalog: DEFAULT_SCOPE_CATALOG,
    maxRepositoryGrants: 50,
  });
  if (!checked.ok) throw new Error(`invalid test grants: ${JSON.stringify(checked.fields)}`);
  return compileGrants(org, checked.value, { catalog: DEFAULT_SCOPE_CATALOG, maxRepositoryGrants: 50 });
}

function scope(text: string): RegistryScope {
  const parsed = parseScope(text);
  if (!parsed.ok) throw new Error(`bad test scope ${text}`);
  return parsed.value;
}

const grantsArbitrary = resourcesArbitrary(ORG).map((raw) => compile(raw));
const repository = fc.oneof(
  repositoryNameArbitrary().map((n) => `${ORG}/${n}`),
  fc.constantFrom(
    'acme/app',
    'acme/team/app',
    'globex/app',
    'globex/public',
    'library/nginx',
    'registry.local:5000/acme/app',
  ),
);
/** Requested scopes on `names`: mostly repositories, some with a class, actions known and unknown. */
function scopeOn(names: fc.Arbitrary<string>): fc.Arbitrary<RegistryScope> {
  return fc
    .record({
      type: fc.constantFrom('repository', 'repository', 'repository', 'registry'),
      resourceClass: fc.option(fc.constantFrom('plugin', 'image'), { nil: undefined, freq: 4 }),
      name: names,
      actions: fc.uniqueArray(fc.constantFrom('pull', 'push', 'delete', '*', 'foo'), { maxLength: 4 }),
    })
    .map(({ resourceClass, ...rest }) => (resourceClass === undefined ? rest : { ...rest, resourceClass }));
}
const requestedScope = scopeOn(repository);
/** Grants, with requests that often name the very repositories granted. */
const grantsAndScopes = resourcesArbitrary(ORG).chain((raw) => {
  const grants = compile(raw);
  const checked = validateResources(raw, {
    organization: ORG,
    catalog: DEFAULT_SCOPE_CATALOG,
    maxRepositoryGrants: 50,
  });
  const granted = checked.ok
    ? checked.value
        .filter(
          (r) =>
            r.type === 'repository' && r.path.includes('/') && !r.path.endsWith('*') && !r.path.endsWith('/public'),
        )
        .map((r) => r.path)
    : [];
  const names = granted.length === 0 ? repository : fc.oneof(repository, fc.constantFrom(...granted));
  return fc.tuple(fc.constant(grants), fc.array(scopeOn(names), { maxLength: 6 }));
});
const publicNames = fc.uniqueArray(repository, { maxLength: 4 });
const anonymousMode = fc.constantFrom<AnonymousAccess>('public-pull', 'none');

describe('grantScopes', () => {
  it('grants exactly the requested actions that authorize allows, for any grants, scopes and visibility', async () => {
    await fc.assert(
      fc.asyncProperty(grantsAndScopes, publicNames, async ([grants, scopes], publics) => {
        const visibility = (name: string) => (publics.includes(name) ? ('public' as const) : ('private' as const));
        const access = await grantScopes(grants, scopes, { repositoryVisibility: visibility });
        for (const entry of access) {
          const asked = scopes.filter(
            (s) => s.type === 'repository' && s.name === entry.name && s.resourceClass === entry.class,
          );
          const wanted = new Set(asked.flatMap((s) => requestedActions(s)));
          for (const action of entry.actions) {
            expect(wanted.has(action)).toBe(true);
            expect(
              authorize(grants, { repository: entry.name, visibility: visibility(entry.name) }, action).allowed,
            ).toBe(true);
          }
          expect(entry.actions.length).toBeGreaterThan(0);
        }
        // and nothing allowed was left out
        for (const s of scopes.filter((x) => x.type === 'repository')) {
          const entry = access.find((a) => a.name === s.name && a.class === s.resourceClass);
          for (const action of requestedActions(s)) {
            const allowed = authorize(grants, { repository: s.name, visibility: visibility(s.name) }, action).allowed;
            expect(entry?.actions.includes(action) ?? false).toBe(allowed);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('gives anonymous requests at most pull on public repositories, and nothing under "none"', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(requestedScope, { maxLength: 6 }),
        publicNames,
        anonymousMode,
        async (scopes, publics, anonymous) => {
          const access = await grantScopes(null, scopes, {
            anonymous,
            repositoryVisibility: (name) => (publics.includes(name) ? 'public' : 'private'),
          });
          for (const entry of access) {
            expect(anonymous).toBe('public-pull');
            expect(entry.actions).toEqual(['pull']);
            expect(publics).toContain(entry.name);
          }
          const expected = new Set(
            scopes
              .filter(
                (s) => s.type === 'repository' && publics.includes(s.name) && requestedActions(s).includes('pull'),
              )
              .map((s) => s.name),
          );
          expect(new Set(access.map((a) => a.name))).toEqual(anonymous === 'none' ? new Set() : expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('asks the visibility lookup at most once per repository, and only when the answer could grant more', async () => {
    await fc.assert(
      fc.asyncProperty(grantsArbitrary, fc.array(requestedScope, { maxLength: 8 }), async (grants, scopes) => {
        const asked: string[] = [];
        await grantScopes(grants, scopes, {
          repositoryVisibility: (name) => {
            asked.push(name);
            return 'public';
          },
        });
        expect(new Set(asked).size).toBe(asked.length);
        if (!reachesPublicRepositories(grants)) expect(asked).toEqual([]);
      }),
      { numRuns: 200 },
    );
  });

  const pushApp = compile([
    { type: 'repository', path: 'acme/app', scopes: ['scope-image-push'] },
    { type: 'repository', path: 'acme/readonly', scopes: ['scope-image-pull'] },
  ]);

  it('grants pull and push on a repository granted push (push includes pull)', async () => {
    expect(await grantScopes(pushApp, [scope('repository:acme/app:pull,push')])).toEqual([
      { type: 'repository', name: 'acme/app', actions: ['pull', 'push'] },
    ]);
  });

  it('grants the allowed subset of a pull-only repository, and leaves out one outside the grants', async () => {
    const access = await grantScopes(pushApp, [
      scope('repository:acme/readonly:pull,push'),
      scope('repository:acme/other:pull,push'),
    ]);
    expect(access).toEqual([{ type: 'repository', name: 'acme/readonly', actions: ['pull'] }]);
  });

  it('expands * into the registry actions that are allowed', async () => {
    const admin = compile([{ type: 'repository', path: 'acme/*', scopes: ['scope-image-delete'] }]);
    expect(await grantScopes(admin, [scope('repository:acme/x:*')])).toEqual([
      { type: 'repository', name: 'acme/x', actions: [...REGISTRY_ACTIONS] },
    ]);
    expect(await grantScopes(pushApp, [scope('repository:acme/app:*')])).toEqual([
      { type: 'repository', name: 'acme/app', actions: ['pull', 'push'] },
    ]);
  });

  it('grants nothing for other resource types and for unknown actions', async () => {
    expect(
      await grantScopes(pushApp, [
        scope('registry:catalog:*'),
        scope('repository:acme/app:foo'),
        scope('repository:acme/app:'),
      ]),
    ).toEqual([]);
  });

  it('merges scopes naming the same repository, and keeps a requested class apart', async () => {
    const access = await grantScopes(pushApp, [
      scope('repository:acme/app:push'),
      scope('repository:acme/app:pull'),
      scope('repository(plugin):acme/app:pull'),
    ]);
    expect(access).toEqual([
      { type: 'repository', name: 'acme/app', actions: ['pull', 'push'] },
      { type: 'repository', class: 'plugin', name: 'acme/app', actions: ['pull'] },
    ]);
  });

  it('reaches a public repository of another organization through */*/public, pull only', async () => {
    const publicPull = compile([{ type: 'repository', path: '*/*/public', scopes: ['scope-image-pull'] }]);
    const visibility = (name: string) => (name === 'globex/public' ? ('public' as const) : ('private' as const));
    expect(
      await grantScopes(publicPull, [scope('repository:globex/public:pull,push')], {
        repositoryVisibility: visibility,
      }),
    ).toEqual([{ type: 'repository', name: 'globex/public', actions: ['pull'] }]);
    expect(
      await grantScopes(publicPull, [scope('repository:globex/private:pull')], { repositoryVisibility: visibility }),
    ).toEqual([]);
    // Default: everything private.
    expect(await grantScopes(publicPull, [scope('repository:globex/public:pull')])).toEqual([]);
  });

  it('treats any visibility answer but "public" as private', async () => {
    const publicPull = compile([{ type: 'repository', path: '*/*/public', scopes: ['scope-image-pull'] }]);
    const odd = (() => 'PUBLIC') as unknown as () => 'public';
    expect(await grantScopes(publicPull, [scope('repository:globex/app:pull')], { repositoryVisibility: odd })).toEqual(
      [],
    );
    expect(await grantScopes(null, [scope('repository:globex/app:pull')], { repositoryVisibility: odd })).toEqual([]);
  });

  it('fails, granting nothing, when the visibility lookup fails', async () => {
    const failing = () => Promise.reject(new Error('database down'));
    await expect(
      grantScopes(null, [scope('repository:globex/app:pull')], { repositoryVisibility: failing }),
    ).rejects.toThrow('database down');
  });

  it('returns frozen entries', async () => {
    const access = await grantScopes(pushApp, [scope('repository:acme/app:pull')]);
    expect(Object.isFrozen(access)).toBe(true);
    expect(Object.isFrozen(access[0])).toBe(true);
    expect(Object.isFrozen(access[0]?.actions)).toBe(true);
  });
});

describe('requestedActions', () => {
  it('keeps only registry actions, in their canonical order, and expands *', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.constantFrom('pull', 'push', 'delete', '*', 'foo', 'scope-image-pull'), { maxLength: 6 }),
        (actions) => {
          const result = requestedActions({ type: 'repository', name: 'acme/app', actions });
          const expected: RegistryAction[] = actions.includes('*')
            ? [...REGISTRY_ACTIONS]
            : REGISTRY_ACTIONS.filter((a) => actions.includes(a));
          expect(result).toEqual(expected);
        },
      ),
    );
  });
});
