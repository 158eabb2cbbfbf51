import fc from 'fast-check';
import { DEFAULT_SCOPE_CATALOG, validateResources, type RawResource, type Resource } from '../../src/index.js';

const catalog = DEFAULT_SCOPE_CATALOG;
const REPOSITORY_SCOPES = catalog.definitions.filter((d) => d.kind === 'repository').map((d) => d.name);
const ORGANIZATION_SCOPES = catalog.definitions.filter((d) => d.kind === 'organization').map((d) => d.name);
const REPO_PATHS = ['acme/app', 'acme/web', 'acme/*', '*/*/public'];

export const raw: fc.Arbitrary<RawResource> = fc.oneof(
  fc.record({
    type: fc.constant('repository' as const),
    path: fc.constantFrom(...REPO_PATHS),
    scopes: fc.subarray(REPOSITORY_SCOPES, { minLength: 1, maxLength: 3 }),
  }),
  fc.record({
    type: fc.constant('organization' as const),
    path: fc.constant('acme'),
    scopes: fc.subarray(ORGANIZATION_SCOPES, { minLength: 1, maxLength: 3 }),
  }),
);
/** A valid resource list (public grants pull only, one grant per path). */
export const resources: fc.Arbitrary<ReadonlyArray<Resource>> = fc
  .uniqueArray(raw, { maxLength: 5, selector: (r) => `${r.type}:${r.path}` })
  .map((list) => list.map((r) => (r.path === '*/*/public' ? { ...r, scopes: ['scope-image-pull'] } : r)))
  .map((list) => {
    const checked = validateResources(list, { organization: 'acme', catalog, maxRepositoryGrants: 50 });
    if (!checked.ok) throw new Error(JSON.stringify(checked.fields));
    return checked.value;
  });

/**
 * The rule written out over the listed resources: same path, or an `acme/*` over an exact name; a held scope covers
 * what it includes.
 */
export function covers(ceiling: ReadonlyArray<Resource>, type: Resource['type'], path: string, scope: string): boolean {
  const wanted = catalog.closure(scope);
  return ceiling.some((c) => {
    const pathOk =
      c.type === type &&
      (c.path === path ||
        (type === 'repository' && c.path === 'acme/*' && !path.endsWith('/*') && path !== '*/*/public'));
    return pathOk && c.scopes.some((held) => (catalog.closure(held) & wanted) === wanted);
  });
}
