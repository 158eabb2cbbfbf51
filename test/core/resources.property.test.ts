import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FieldIssue, RawResource, ResourceRules } from '../../src/index.js';
import {
  DEFAULT_SCOPE_CATALOG,
  DOCKER_HUB_SCOPES,
  PUBLIC_REPOSITORIES_PATH,
  validateResources,
} from '../../src/index.js';
import { ORG, ORGANIZATION_SCOPES, REPOSITORY_SCOPES } from './arbitraries.js';

const RULES: ResourceRules = { organization: ORG, catalog: DEFAULT_SCOPE_CATALOG, maxRepositoryGrants: 50 };
const PULL_NAMES = ['scope-image-pull', 'pull', 'repo-pull', 'image-pull'];
const REPOSITORY_NAMES = [
  ...REPOSITORY_SCOPES,
  ...DOCKER_HUB_SCOPES.filter((d) => d.kind === 'repository').flatMap((d) => d.aliases ?? []),
];

const segment = fc.stringMatching(/^[a-z0-9]{1,4}(?:(?:[._]|__|-{1,2})[a-z0-9]{1,3})?$/);
const scopesOf = (names: ReadonlyArray<string>) => fc.array(fc.constantFrom(...names), { minLength: 1, maxLength: 4 });

/** A valid raw grant, with the key validation uses to spot duplicates. */
const validRaw: fc.Arbitrary<{ key: string; raw: RawResource }> = fc.oneof(
  fc
    .record({
      type: fc.constantFrom('repository' as const, 'TYPE_REPO' as const),
      namespace: fc.constantFrom('acme', 'ACME', 'Acme'),
      name: fc.oneof(
        fc.constant('*'),
        fc.array(segment, { minLength: 1, maxLength: 2 }).map((s) => s.join('/')),
      ),
      scopes: scopesOf(REPOSITORY_NAMES),
    })
    .map(({ type, namespace, name, scopes }) => ({
      key: `repository:acme/${name}`,
      raw: { type, path: `${namespace}/${name}`, scopes },
    })),
  fc
    .record({ type: fc.constantFrom('repository' as const, 'TYPE_REPO' as const), scopes: scopesOf(PULL_NAMES) })
    .map(({ type, scopes }) => ({
      key: `repository:${PUBLIC_REPOSITORIES_PATH}`,
      raw: { type, path: PUBLIC_REPOSITORIES_PATH, scopes },
    })),
  fc
    .record({
      type: fc.constantFrom('organization' as const, 'TYPE_ORG' as const),
      path: fc.constantFrom('acme', 'ACME'),
      scopes: scopesOf(ORGANIZATION_SCOPES),
    })
    .map(({ type, path, scopes }) => ({ key: 'organization:acme', raw: { type, path, scopes } })),
);

const validSet: fc.Arbitrary<RawResource[]> = fc
  .uniqueArray(validRaw, { selector: (v) => v.key, minLength: 1, maxLength: 8 })
  .map((items) => items.map((item) => item.raw));

type Fault = {
  readonly name: string;
  apply(raw: RawResource[], at: number, pick: number): { raw: RawResource[]; path: string };
};

const replaceAt = (raw: RawResource[], at: number, item: RawResource): RawResource[] =>
  raw.map((r, i) => (i === at ? item : r));
const insertScope = (item: RawResource, pick: number, scope: string): { scopes: string[]; index: number } => {
  const index = pick % (item.scopes.length + 1);
  return { scopes: [...item.scopes.slice(0, index), scope, ...item.scopes.slice(index)], index };
};

const FAULTS: ReadonlyArray<Fault> = [
  {
    name: 'a repository path outside the organization',
    apply: (raw, at, pick) => {
      const path = ['beta/app', 'acmex/app', 'acm/*', 'library/nginx', 'other/*'][pick % 5] as string;
      return { raw: replaceAt(raw, at, { type: 'repository', path, scopes: ['pull'] }), path: `${at}.path` };
    },
  },
  {
    name: 'an organization grant naming another organization',
    apply: (raw, at, pick) => ({
      raw: replaceAt(raw, at, {
        type: 'TYPE_ORG',
        path: ['beta', 'acme/app', '', '*/*/public'][pick % 4] as string,
        scopes: ['scope-member-read'],
      }),
      path: `${at}.path`,
    }),
  },
  {
    name: 'a malformed repository path',
    apply: (raw, at, pick) => {
      const path = ['acme/App', 'acme/', 'acme', 'acme/a//b', 'acme/-a', 'acme/a*', '/app', '', 'acme/a b', 'acme/ü'][
        pick % 10
      ] as string;
      return { raw: replaceAt(raw, at, { type: 'repository', path, scopes: ['pull'] }), path: `${at}.path` };
    },
  },
  {
    name: 'an unknown scope',
    apply: (raw, at, pick) => {
      const item = raw[at] as RawResource;
      const { scopes, index } = insertScope(
        item,
        pick,
        ['scope-nope', 'PULL', '', '__proto__', 'scope-image'][pick % 5] as string,
      );
      return { raw: replaceAt(raw, at, { ...item, scopes }), path: `${at}.scopes.${index}` };
    },
  },
  {
    name: 'a scope of the wrong kind',
    apply: (raw, at, pick) => {
      const item = raw[at] as RawResource;
      const repository = item.type === 'repository' || item.type === 'TYPE_REPO';
      const wrong = repository
        ? ORGANIZATION_SCOPES[pick % ORGANIZATION_SCOPES.length]
        : REPOSITORY_NAMES[pick % REPOSITORY_NAMES.length];
      const { scopes, index } = insertScope(item, pick, wrong as string);
      return { raw: replaceAt(raw, at, { ...item, scopes }), path: `${at}.scopes.${index}` };
    },
  },
  {
    name: 'a duplicate path (compared after normalising the organization)',
    apply: (raw, at) => {
      const item = raw[at] as RawResource;
      const path =
        item.path === PUBLIC_REPOSITORIES_PATH ? item.path : item.path.replace(/^[^/]*/, (ns) => ns.toUpperCase());
      return { raw: [...raw, { ...item, path }], path: `${raw.length}.path` };
    },
  },
  {
    name: 'a non-pull scope on */*/public',
    apply: (raw, at, pick) => {
      const other = REPOSITORY_NAMES.filter((n) => !PULL_NAMES.includes(n));
      const scopes = insertScope(
        { type: 'repository', path: PUBLIC_REPOSITORIES_PATH, scopes: ['pull'] },
        pick,
        other[pick % other.length] as string,
      ).scopes;
      const rest = raw.filter((r) => r.path !== PUBLIC_REPOSITORIES_PATH);
      const index = Math.min(at, rest.length);
      return {
        raw: [
          ...rest.slice(0, index),
          { type: 'TYPE_REPO', path: PUBLIC_REPOSITORIES_PATH, scopes },
          ...rest.slice(index),
        ],
        path: `${index}.scopes`,
      };
    },
  },
  {
    name: 'an empty scope list',
    apply: (raw, at) => ({
      raw: replaceAt(raw, at, { ...(raw[at] as RawResource), scopes: [] }),
      path: `${at}.scopes`,
    }),
  },
];

describe('validateResources', () => {
  it(
    'accepts valid grants and returns them canonical: lower-case paths, canonical scope names in catalog ' +
      'order, no duplicates',
    () => {
      fc.assert(
        fc.property(validSet, (raw) => {
          const checked = validateResources(raw, RULES);
          if (!checked.ok) throw new Error(JSON.stringify(checked.fields));
          expect(checked.value).toHaveLength(raw.length);
          checked.value.forEach((resource, i) => {
            const input = raw[i] as RawResource;
            expect(resource.type).toBe(
              input.type === 'TYPE_ORG' || input.type === 'organization' ? 'organization' : 'repository',
            );
            expect(resource.path).toBe(
              resource.type === 'organization'
                ? ORG
                : input.path.replace(/^[^/]*/, (ns) => (ns === '*' ? ns : ns.toLowerCase())),
            );
            const canonical = new Set(input.scopes.map((s) => DEFAULT_SCOPE_CATALOG.canonical(s)));
            expect(resource.scopes).toEqual(DOCKER_HUB_SCOPES.map((d) => d.name).filter((n) => canonical.has(n)));
          });
        }),
        { numRuns: 500 },
      );
    },
  );

  it('round-trips: validating its own output gives the same resources', () => {
    fc.assert(
      fc.property(validSet, (raw) => {
        const first = validateResources(raw, RULES);
        if (!first.ok) throw new Error(JSON.stringify(first.fields));
        expect(validateResources(first.value, RULES)).toEqual(first);
      }),
      { numRuns: 300 },
    );
  });

  it.each(FAULTS.map((f) => [f.name, f] as const))('rejects %s with one issue naming its path', (_name, fault) => {
    fc.assert(
      fc.property(validSet, fc.nat(), fc.nat(), (valid, where, pick) => {
        const { raw, path } = fault.apply(valid, where % valid.length, pick);
        const checked = validateResources(raw, RULES);
        expect(checked.ok).toBe(false);
        if (checked.ok) return;
        expect(checked.fields.map((i: FieldIssue) => i.path)).toEqual([path]);
        for (const issue of checked.fields) expect(issue.message.length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });

  it('reports every faulty grant, not just the first', () => {
    const checked = validateResources(
      [
        { type: 'repository', path: 'acme/app', scopes: ['pull'] },
        { type: 'repository', path: 'beta/app', scopes: ['pull'] },
        { type: 'repository', path: 'acme/api', scopes: ['pull', 'scope-nope'] },
        { type: 'repository', path: 'acme/web', scopes: ['pull', 'scope-member-read'] },
      ],
      RULES,
    );
    expect(checked).toEqual({
      ok: false,
      code: 'VALIDATION_FAILED',
      message: expect.stringMatching(/^Invalid resources: 1\.path: .*; 2\.scopes\.1: unknown scope "scope-nope"; 3\./),
      fields: [
        { path: '1.path', message: expect.any(String) },
        { path: '2.scopes.1', message: 'unknown scope "scope-nope"' },
        { path: '3.scopes.1', message: expect.stringContaining('scope-member-read') },
      ],
    });
  });

  const repositoryGrants = (n: number): RawResource[] =>
    Array.from({ length: n }, (_, i) => ({ type: 'repository', path: `acme/r${i}`, scopes: ['pull'] }));
  const publicGrant: RawResource = { type: 'repository', path: PUBLIC_REPOSITORIES_PATH, scopes: ['pull'] };
  const managementGrant: RawResource = { type: 'organization', path: ORG, scopes: ['scope-member-read'] };

  it('allows 50 repository grants plus the public and management grants, which do not count', () => {
    expect(validateResources([...repositoryGrants(50), publicGrant, managementGrant], RULES).ok).toBe(true);
  });

  it('rejects more than maxRepositoryGrants repository grants with an issue on the whole list', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 0, max: 61 }),
        fc.boolean(),
        (limit, count, withPublic) => {
          const raw = [...repositoryGrants(count), ...(withPublic ? [publicGrant] : [])];
          const checked = validateResources(raw, { ...RULES, maxRepositoryGrants: limit });
          if (count <= limit) expect(checked.ok).toBe(true);
          else
            expect(checked).toMatchObject({
              ok: false,
              code: 'VALIDATION_FAILED',
              fields: [{ path: '', message: `at most ${limit} repository grants per token, got ${count}` }],
            });
        },
      ),
      { numRuns: 300 },
    );
    expect(validateResources(repositoryGrants(51), RULES)).toMatchObject({ ok: false, fields: [{ path: '' }] });
  });
});
