import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SCOPE_CATALOG,
  ceilingExcess,
  checkCeiling,
  defaultManagerCeiling,
  type GrantCeiling,
  type Resource,
} from '../../src/index.js';
import { covers, resources } from '../support/ceiling.js';

const catalog = DEFAULT_SCOPE_CATALOG;
describe('ceilingExcess', () => {
  it('reports exactly the (path, scope) pairs the ceiling does not cover, in request order', () => {
    fc.assert(
      fc.property(resources, resources, (ceilingResources, requested) => {
        const ceiling: GrantCeiling = { unlimited: false, organization: 'acme', resources: ceilingResources };
        const expected = requested.flatMap((r) =>
          r.scopes
            .filter((s) => !covers(ceilingResources, r.type, r.path, s))
            .map((scope) => ({ type: r.type, path: r.path, scope })),
        );
        expect(ceilingExcess(ceiling, requested, catalog)).toEqual(expected);
      }),
    );
  });

  it('reports nothing against an unlimited ceiling, and nothing for a request equal to the ceiling', () => {
    fc.assert(
      fc.property(resources, (list) => {
        expect(ceilingExcess({ unlimited: true }, list, catalog)).toEqual([]);
        expect(ceilingExcess({ unlimited: false, organization: 'acme', resources: list }, list, catalog)).toEqual([]);
      }),
    );
  });

  it('never lets a public grant or an exact name stand in for a glob', () => {
    const ceiling = checkCeiling(
      'acme',
      [
        { type: 'repository', path: 'acme/app', scopes: ['delete'] },
        { type: 'repository', path: '*/*/public', scopes: ['pull'] },
      ],
      catalog,
    );
    if (!ceiling.ok) throw new Error('ceiling');
    const wanted: Resource[] = [
      { type: 'repository', path: 'acme/*', scopes: ['scope-image-pull'] },
      { type: 'repository', path: 'acme/web', scopes: ['scope-image-pull'] },
    ];
    expect(ceilingExcess(ceiling.value, wanted, catalog).map((e) => e.path)).toEqual(['acme/*', 'acme/web']);
  });

  it('the default manager ceiling is pull on the organization and on public repositories, nothing more', () => {
    const checked = checkCeiling('acme', defaultManagerCeiling('acme'), catalog);
    if (!checked.ok) throw new Error('default ceiling');
    const wanted: Resource[] = [
      { type: 'repository', path: 'acme/*', scopes: ['scope-image-pull', 'scope-image-push'] },
      { type: 'repository', path: 'acme/app', scopes: ['scope-image-pull', 'scope-image-delete'] },
      { type: 'repository', path: '*/*/public', scopes: ['scope-image-pull'] },
      { type: 'organization', path: 'acme', scopes: ['scope-member-read'] },
    ];
    expect(ceilingExcess(checked.value, wanted, catalog).map((e) => `${e.path} ${e.scope}`)).toEqual([
      'acme/* scope-image-push',
      'acme/app scope-image-delete',
      'acme scope-member-read',
    ]);
  });
});
