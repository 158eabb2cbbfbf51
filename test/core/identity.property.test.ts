import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  authorize,
  authorizeOrganization,
  checkOwnership,
  compileGrants,
  DEFAULT_POLICY,
  PUBLIC_REPOSITORIES_PATH,
  presentRecord,
  rebaseResources,
  type OrganizationId,
  type OrganizationName,
  type Resource,
} from '../../src/index.js';
import { organizationNameArbitrary, tokenRecordArbitrary } from '../../src/testing/index.js';
import { ORG as ORG_NAME, repositoryAction, resources } from './arbitraries.js';

const ORG = ORG_NAME as OrganizationName;

// A few names, so that renames back to a name already held and "the same name" both come up often.
const name: fc.Arbitrary<OrganizationName> = fc.oneof(
  fc.constantFrom(...(['acme', 'acme-labs', 'globex', 'a'] as OrganizationName[])),
  organizationNameArbitrary(),
);
/** The part of a repository path after its namespace, or the path itself for the organization and `*\/*\/public`. */
const rest = (r: Resource): string =>
  r.type === 'organization' || r.path === PUBLIC_REPOSITORIES_PATH ? r.path : r.path.slice(r.path.indexOf('/'));

describe('rebaseResources: grants follow a rename', () => {
  it('is idempotent, and hands back the same array once the grants read under the name', () => {
    fc.assert(
      fc.property(resources, name, (grants, to) => {
        const once = rebaseResources(grants, to);
        expect(rebaseResources(once, to)).toBe(once);
        expect(rebaseResources(grants, ORG)).toBe(grants);
      }),
    );
  });

  it('two successive renames equal one direct rename, whatever the names', () => {
    fc.assert(
      fc.property(resources, name, name, (grants, via, to) => {
        expect(rebaseResources(rebaseResources(grants, via), to)).toEqual(rebaseResources(grants, to));
      }),
    );
  });

  it(
    'moves repository grants into the new namespace, names it in organization grants, keeps */*/public and ' +
      'every scope, and never touches the input',
    () => {
      fc.assert(
        fc.property(resources, name, (grants, to) => {
          const before = structuredClone(grants);
          const rebased = rebaseResources(grants, to);
          expect(grants).toEqual(before);
          expect(rebased).toHaveLength(grants.length);
          rebased.forEach((r, i) => {
            const old = grants[i] as Resource;
            expect(r.type).toBe(old.type);
            expect(r.scopes).toEqual(old.scopes);
            if (old.type === 'organization') expect(r.path).toBe(to);
            else if (old.path === PUBLIC_REPOSITORIES_PATH) expect(r.path).toBe(PUBLIC_REPOSITORIES_PATH);
            else expect(r.path).toBe(`${to}${rest(old)}`);
          });
        }),
      );
    },
  );

  it(
    'a renamed token decides under the new name exactly as it did under the old one, and grants nothing ' +
      'under the old name',
    () => {
      const repository = fc.constantFrom('app', 'api', 'team/app', 'web', 'app/sub');
      fc.assert(
        fc.property(
          resources,
          fc.constantFrom('acme-labs', 'globex') as fc.Arbitrary<OrganizationName>,
          repository,
          repositoryAction,
          (grants, to, repo, action) => {
            const before = compileGrants(ORG, grants, DEFAULT_POLICY);
            const after = compileGrants(to, rebaseResources(grants, to), DEFAULT_POLICY);
            const visibility = 'private';
            expect(authorize(after, { repository: `${to}/${repo}`, visibility }, action)).toEqual(
              authorize(before, { repository: `${ORG}/${repo}`, visibility }, action),
            );
            expect(authorize(after, { repository: `${ORG}/${repo}`, visibility }, action).allowed).toBe(false);
            expect(authorize(after, { repository: 'library/nginx', visibility: 'public' }, 'pull')).toEqual(
              authorize(before, { repository: 'library/nginx', visibility: 'public' }, 'pull'),
            );
            expect(authorizeOrganization(after, to, 'scope-member-read')).toEqual(
              authorizeOrganization(before, ORG, 'scope-member-read'),
            );
            expect(authorizeOrganization(after, ORG, 'scope-member-read').allowed).toBe(false);
          },
        ),
      );
    },
  );
});

describe('checkOwnership: only the id decides', () => {
  const id = fc.constantFrom(...(['org-1', 'org-2', 'acme', 'ACME'] as OrganizationId[]));
  const token = fc.record({ organizationId: id, organization: name });

  it(
    'a token is owned by a profile exactly when the ids are equal (exactly, no case folding), whatever ' + 'the names',
    () => {
      fc.assert(
        fc.property(token, name, id, (t, asked, profileId) => {
          const decision = checkOwnership(t, asked, { id: profileId });
          expect(decision).toEqual(
            profileId === t.organizationId ? { allowed: true } : { allowed: false, code: 'ORG_MISMATCH' },
          );
        }),
      );
    },
  );

  it(
    'with no organization holding the name, it always denies: ORGANIZATION_UNKNOWN for the name the token ' +
      'was created under, ORG_MISMATCH for any other',
    () => {
      fc.assert(
        fc.property(token, name, (t, asked) => {
          const decision = checkOwnership(t, asked, null);
          expect(decision).toEqual({
            allowed: false,
            code: asked === t.organization ? 'ORGANIZATION_UNKNOWN' : 'ORG_MISMATCH',
          });
        }),
      );
    },
  );
});

describe('presentRecord: a record as it reads under the current name', () => {
  it('shows the current name and the rebased grants, changes nothing else, and leaves the stored record alone', () => {
    // Sometimes only */*/public, which no rename moves: the name must change all the same.
    const publicOnly: ReadonlyArray<Resource> = Object.freeze([
      Object.freeze({
        type: 'repository' as const,
        path: PUBLIC_REPOSITORIES_PATH,
        scopes: Object.freeze(['scope-image-pull']),
      }),
    ]);
    const record = fc
      .tuple(tokenRecordArbitrary({ organization: ORG }), fc.boolean())
      .map(([r, pub]) => (pub ? Object.freeze({ ...r, resources: publicOnly }) : r));
    fc.assert(
      fc.property(record, name, (record, current) => {
        const shown = presentRecord(record, current);
        expect(shown.organization).toBe(current);
        expect(shown.resources).toEqual(rebaseResources(record.resources, current));
        const { organization: _o, resources: _r, ...rest } = shown;
        const { organization: _so, resources: _sr, ...storedRest } = record;
        expect(rest).toEqual(storedRest);
        expect(record.organization).toBe(ORG);
        expect(
          Object.isFrozen(shown) &&
            Object.isFrozen(shown.resources) &&
            shown.resources.every((r) => Object.isFrozen(r) && Object.isFrozen(r.scopes)),
        ).toBe(true);
        if (current === ORG) expect(shown).toBe(record);
      }),
    );
  });
});
