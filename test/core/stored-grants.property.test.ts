import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isCompiledGrants, reachesPublicRepositories } from '../../src/core/grants.js';
import {
  DEFAULT_POLICY,
  DEFAULT_SCOPE_CATALOG,
  authorize,
  authorizeOrganization,
  checkStoredResources,
  compileGrants,
  createPolicy,
  isOatError,
  safeParseCreateInput,
  type CompiledGrants,
  type FieldIssue,
  type Resource,
  type TokenPolicy,
} from '../../src/index.js';
import {
  ORG,
  organizationAsked,
  organizationResource,
  organizationScope,
  repositoryAction,
  repositoryRequest,
  repositoryResource,
  resources,
} from './arbitraries.js';
import { referenceAuthorize, referenceAuthorizeOrganization } from './reference.js';
import { reachable, vandalize } from './vandal.js';

const NOW = Date.UTC(2025, 5, 1);

/**
 * What a create request with these grants says about them: its issues under `resources`, and the canonical grants when
 * valid.
 */
function createRequest(
  list: unknown,
  policy: TokenPolicy = DEFAULT_POLICY,
): { issues: ReadonlyArray<FieldIssue>; resources: ReadonlyArray<Resource> } {
  // Any list, as a JavaScript caller could send it: the request type is bypassed on purpose.
  const parsed = safeParseCreateInput(
    { label: 'ci', resources: list as never },
    { organization: ORG, now: NOW, policy },
  );
  return parsed.ok ? { issues: [], resources: parsed.value.resources } : { issues: parsed.fields, resources: [] };
}

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** Grants as a tampered or hand-edited row may hold them: near-valid, cross-kind, cross-organization, malformed. */
const tamperedItem: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.oneof(repositoryResource, organizationResource) },
  {
    weight: 6,
    arbitrary: fc.record(
      {
        type: fc.constantFrom(
          'repository',
          'organization',
          'TYPE_REPO',
          'TYPE_ORG',
          '__proto__',
          'toString',
          'group',
          42,
        ),
        path: fc.constantFrom(
          'acme/app',
          'ACME/app',
          'acme/*',
          'Acme/*',
          'beta/app',
          'beta/*',
          '*/*/public',
          'acme',
          'ACME',
          'beta',
          'library/nginx',
          'acme/team/*',
          '/app',
          'acme/',
          '',
          'x'.repeat(600),
          7,
        ),
        scopes: fc.oneof(
          fc.array(
            fc.constantFrom(
              'pull',
              'push',
              'delete',
              'scope-image-pull',
              'scope-image-push',
              'scope-member-edit',
              'scope-member-read',
              'scope-repository-admin',
              'repo-pull',
              'unknown',
              '',
              'toString',
              'x'.repeat(200),
              3,
            ),
            { maxLength: 4 },
          ),
          fc.constantFrom('pull', null, {}),
        ),
        extra: fc.constant('field'),
      },
      { requiredKeys: ['type', 'path', 'scopes'] },
    ),
  },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }) },
);

const repositoryGrants = (n: number): Resource[] =>
  Array.from({ length: n }, (_, i) => ({ type: 'repository', path: `acme/app-${i}`, scopes: ['scope-image-pull'] }));

const storedList: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: resources },
  { weight: 6, arbitrary: fc.array(tamperedItem, { maxLength: 6 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(repositoryGrants(50), repositoryGrants(51), [
      ...repositoryGrants(50),
      { type: 'repository', path: '*/*/public', scopes: ['pull'] },
    ]),
  },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }) },
);

describe('checkStoredResources applies the create request rules to stored grants', () => {
  it.each([
    [
      'a management scope on a repository grant',
      [{ type: 'repository', path: 'acme/app', scopes: ['scope-member-edit'] }],
      'resources.0.scopes.0',
    ],
    [
      "another organization's repository",
      [{ type: 'repository', path: 'beta/app', scopes: ['pull'] }],
      'resources.0.path',
    ],
    ["another organization's glob", [{ type: 'repository', path: 'beta/*', scopes: ['pull'] }], 'resources.0.path'],
    [
      'push through */*/public',
      [{ type: 'repository', path: '*/*/public', scopes: ['scope-image-push'] }],
      'resources.0.scopes',
    ],
    [
      'a repository scope on the management grant',
      [{ type: 'organization', path: 'acme', scopes: ['scope-image-delete'] }],
      'resources.0.scopes.0',
    ],
    ['more than 50 repository grants', repositoryGrants(51), 'resources'],
    ['no grant at all', [], 'resources'],
  ])('refuses %s, and compileGrants refuses to compile it', (_, list, path) => {
    const issues = checkStoredResources(ORG, list, DEFAULT_POLICY);
    expect(issues.map((i) => i.path)).toEqual([path]);
    expect(Object.isFrozen(issues)).toBe(true);
    expect(thrown(() => compileGrants(ORG, list as Resource[], DEFAULT_POLICY))).toMatchObject({
      code: 'VALIDATION_FAILED',
      fields: issues,
    });
  });

  it('no longer lets scope-member-edit on a repository give pull and push', () => {
    const tampered: Resource[] = [
      { type: 'repository', path: 'acme/app', scopes: ['scope-member-edit'] },
      { type: 'repository', path: 'acme/web', scopes: ['scope-image-pull'] },
    ];
    expect(() => compileGrants(ORG, tampered, DEFAULT_POLICY)).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED' }),
    );
  });

  it('answers with one shared empty frozen array for valid grants, under the policy it is given', () => {
    expect(checkStoredResources(ORG, repositoryGrants(50), DEFAULT_POLICY)).toBe(
      checkStoredResources(ORG, [{ type: 'organization', path: ORG, scopes: ['scope-member-read'] }], DEFAULT_POLICY),
    );
    expect(checkStoredResources(ORG, repositoryGrants(50), DEFAULT_POLICY)).toEqual([]);
    expect(
      checkStoredResources(ORG, repositoryGrants(3), createPolicy({ maxRepositoryGrants: 2 })).map((i) => i.path),
    ).toEqual(['resources']);
  });

  it('refuses an organization that is not a lower-case organization name', () => {
    for (const organization of ['ACME', '', 'acme/x', 42]) {
      expect(checkStoredResources(organization as string, repositoryGrants(1), DEFAULT_POLICY)).toEqual([
        { path: 'organization', message: 'must be an organization name in lower case' },
      ]);
      expect(() => compileGrants(organization as string, repositoryGrants(1), DEFAULT_POLICY)).toThrow(
        expect.objectContaining({ code: 'VALIDATION_FAILED' }),
      );
    }
  });

  it('throws MISCONFIGURED when given a catalog where a policy belongs (the former signature)', () => {
    expect(() => compileGrants(ORG, repositoryGrants(1), DEFAULT_SCOPE_CATALOG as never)).toThrow(
      expect.objectContaining({ code: 'MISCONFIGURED' }),
    );
    expect(() => checkStoredResources(ORG, repositoryGrants(1), null as never)).toThrow(
      expect.objectContaining({ code: 'MISCONFIGURED' }),
    );
  });

  it('property: reports exactly the issues a create request with the same grants gets, and never throws', () => {
    let valid = 0;
    fc.assert(
      fc.property(storedList, (list) => {
        const issues = checkStoredResources(ORG, list, DEFAULT_POLICY);
        expect(issues).toEqual(createRequest(list).issues);
        if (issues.length === 0) valid++;
      }),
      { numRuns: 2_000 },
    );
    expect(valid).toBeGreaterThan(100);
  });

  it(
    'property: what compiles never authorizes anything the validated create request would not; what does not ' +
      'compile throws its issues',
    () => {
      let compiled = 0;
      fc.assert(
        fc.property(
          storedList,
          repositoryRequest,
          repositoryAction,
          organizationAsked,
          organizationScope,
          (list, request, action, org, scope) => {
            const expected = createRequest(list);
            const outcome = thrown(() => compileGrants(ORG, list as Resource[], DEFAULT_POLICY));
            if (expected.issues.length > 0) {
              expect(isOatError(outcome) && outcome.code === 'VALIDATION_FAILED').toBe(true);
              expect((outcome as { fields: unknown }).fields).toEqual(expected.issues);
              return;
            }
            expect(outcome).toBeUndefined();
            compiled++;
            const grants = compileGrants(ORG, list as Resource[], DEFAULT_POLICY);
            expect(authorize(grants, request, action)).toEqual(referenceAuthorize(expected.resources, request, action));
            expect(authorizeOrganization(grants, org, scope)).toEqual(
              referenceAuthorizeOrganization(ORG, expected.resources, org, scope),
            );
          },
        ),
        { numRuns: 3_000 },
      );
      expect(compiled).toBeGreaterThan(300);
    },
  );
});

describe('compiled grants are opaque and read-only', () => {
  const asked = ['acme/app', 'acme/api', 'acme/team/app', 'acme/web', 'beta/app', 'library/nginx'].flatMap(
    (repository) =>
      (['public', 'private'] as const).flatMap((visibility) =>
        ['pull', 'push', 'delete'].map((action) => [{ repository, visibility }, action] as const),
      ),
  );
  const decide = (grants: CompiledGrants): unknown => [
    asked.map(([request, action]) => authorize(grants, request, action)),
    ['scope-member-read', 'scope-member-edit'].map((scope) => authorizeOrganization(grants, ORG, scope)),
  ];
  const pool = fc.array(
    fc.oneof(
      fc.constantFrom(0x7fffffff, -1, 'acme/web', 'beta', true, null, new Map([['acme/web', 7]])),
      fc.anything({ maxDepth: 1 }),
    ),
    {
      minLength: 1,
      maxLength: 6,
    },
  );

  it('hand out no Map and nothing unfrozen: only the organization', () => {
    const grants = compileGrants(
      ORG,
      [{ type: 'repository', path: '*/*/public', scopes: ['pull'] }, ...repositoryGrants(2)],
      DEFAULT_POLICY,
    );
    expect(reachable(grants).filter((o) => o instanceof Map || !Object.isFrozen(o))).toEqual([]);
    expect(JSON.parse(JSON.stringify(grants))).toEqual({ organization: ORG });
    expect(Object.keys(grants)).toEqual(['organization']);
    expect(reachesPublicRepositories(grants)).toBe(true);
    expect(reachesPublicRepositories(compileGrants(ORG, repositoryGrants(2), DEFAULT_POLICY))).toBe(false);
    expect(Object.isFrozen(Object.getPrototypeOf(grants))).toBe(true);
  });

  it(
    'property: changing anything reachable from compiled grants (through casts) never changes a ' + 'later decision',
    () => {
      fc.assert(
        fc.property(resources, pool, (granted, values) => {
          const grants = compileGrants(ORG, granted, DEFAULT_POLICY);
          const before = decide(grants);
          vandalize(grants, values);
          // The class's own prototype; never Object.prototype, which would break the test runner itself.
          const prototype: unknown = Object.getPrototypeOf(grants);
          if (prototype !== Object.prototype) vandalize(prototype, values);
          expect(decide(grants)).toEqual(before);
        }),
        { numRuns: 300 },
      );
    },
  );

  it('refuses look-alikes: copies, forged objects and grants built around the constructor', () => {
    const grants = compileGrants(ORG, repositoryGrants(1), DEFAULT_POLICY);
    const forged = {
      organization: ORG,
      catalog: DEFAULT_SCOPE_CATALOG,
      exact: new Map([['acme/secret', 0xff]]),
      namespaces: new Map(),
      namespacePrefixes: null,
      publicMask: 0,
      organizationMask: 0xff,
      reachesPublicRepositories: false,
    };
    for (const fake of [
      { ...grants },
      Object.create(Object.getPrototypeOf(grants) as object),
      forged,
      null,
      undefined,
    ]) {
      expect(isCompiledGrants(fake)).toBe(false);
      expect(thrown(() => authorize(fake as CompiledGrants, { repository: 'acme/secret' }, 'pull'))).toMatchObject({
        code: 'VALIDATION_FAILED',
      });
      expect(thrown(() => authorizeOrganization(fake as CompiledGrants, ORG, 'scope-member-edit'))).toMatchObject({
        code: 'VALIDATION_FAILED',
      });
    }
    const Construct = grants.constructor as new (...args: unknown[]) => CompiledGrants;
    expect(thrown(() => new Construct(Symbol('compileGrants'), ORG, { exact: new Map() }))).toMatchObject({
      code: 'MISCONFIGURED',
    });
    expect(isCompiledGrants(grants)).toBe(true);
  });
});
