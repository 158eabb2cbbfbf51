import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  MAX_SCOPES_PER_REQUEST,
  formatScope,
  parseScope,
  parseScopeParameters,
  type RegistryScope,
} from '../../src/registry/scope.js';

const lower = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'.split(''));
const lowerDigit = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'.split(''));
const alnum = (max: number) => fc.string({ unit: lowerDigit, minLength: 1, maxLength: max });

/** Path components as the grammar allows: alphanumerics joined by `.`, `_`, `__` or dashes. */
const component = fc
  .tuple(alnum(6), fc.array(fc.tuple(fc.constantFrom('.', '_', '__', '-', '--'), alnum(4)), { maxLength: 2 }))
  .map(([head, tail]) => head + tail.map(([sep, part]) => sep + part).join(''));

/** Host names, sometimes with upper case and a port, as in `Registry.local:5000`. */
const hostname = fc
  .tuple(
    fc.array(fc.stringMatching(/^[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,6}[a-zA-Z0-9])?$/), { minLength: 1, maxLength: 3 }),
    fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
  )
  .map(([parts, port]) => parts.join('.') + (port === undefined ? '' : `:${port}`));

const resourceName = fc
  .tuple(fc.option(hostname, { nil: undefined }), fc.array(component, { minLength: 1, maxLength: 4 }))
  .map(([host, path]) => [...(host === undefined ? [] : [host]), ...path].join('/'))
  .filter((name) => name.length <= 255);

const validScope: fc.Arbitrary<RegistryScope> = fc
  .record({
    type: fc.oneof(fc.constantFrom('repository', 'registry'), alnum(8)),
    resourceClass: fc.option(alnum(8), { nil: undefined }),
    name: resourceName,
    actions: fc.uniqueArray(
      fc.oneof(fc.constantFrom('pull', 'push', 'delete', '*'), fc.string({ unit: lower, minLength: 1, maxLength: 6 })),
      { maxLength: 4 },
    ),
  })
  .map(({ resourceClass, ...rest }) => (resourceClass === undefined ? rest : { ...rest, resourceClass }));

/** Strings over the characters that matter to the grammar, to reach its corners more often than random text. */
const grammarish = fc.string({ unit: fc.constantFrom(...'ab09:/(),.*-_ \tA'.split('')), maxLength: 40 });

describe('parseScope', () => {
  it('never throws, and gives either a well-formed scope or MALFORMED, for any string', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), grammarish), (text) => {
        const parsed = parseScope(text);
        if (!parsed.ok) {
          expect(parsed.code).toBe('MALFORMED');
          return;
        }
        expect(parsed.value.type).toMatch(/^[a-z0-9]+$/);
        expect(parsed.value.name.length).toBeGreaterThan(0);
        expect(parsed.value.actions.every((a) => /^(?:\*|[a-z]+)$/.test(a))).toBe(true);
        expect(formatScope(parsed.value)).toBe(text.replace(/:([^:]*)$/, () => `:${parsed.value.actions.join(',')}`));
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws for values that are not strings', () => {
    fc.assert(
      fc.property(
        fc.anything().filter((v) => typeof v !== 'string'),
        (value) => {
          expect(parseScope(value as string)).toEqual({ ok: false, code: 'MALFORMED', message: expect.any(String) });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('reads back what formatScope wrote, any valid scope (host:port names, segments, classes, actions)', () => {
    fc.assert(
      fc.property(validScope, (scope) => {
        expect(parseScope(formatScope(scope))).toEqual({ ok: true, value: scope });
      }),
      { numRuns: 1000 },
    );
  });

  it.each([
    ['repository:samalba/my-app:pull,push', { type: 'repository', name: 'samalba/my-app', actions: ['pull', 'push'] }],
    [
      'repository:localhost:5000/acme/app:pull',
      { type: 'repository', name: 'localhost:5000/acme/app', actions: ['pull'] },
    ],
    [
      'repository:Registry.Example.com:443/acme/team/app:push',
      { type: 'repository', name: 'Registry.Example.com:443/acme/team/app', actions: ['push'] },
    ],
    [
      'repository(plugin):acme/tool:pull',
      { type: 'repository', resourceClass: 'plugin', name: 'acme/tool', actions: ['pull'] },
    ],
    ['registry:catalog:*', { type: 'registry', name: 'catalog', actions: ['*'] }],
    ['repository:acme/app:', { type: 'repository', name: 'acme/app', actions: [] }],
    ['repository:acme/app:pull,push,pull', { type: 'repository', name: 'acme/app', actions: ['pull', 'push'] }],
    ['repository:acme/my__app.v2--x:delete', { type: 'repository', name: 'acme/my__app.v2--x', actions: ['delete'] }],
    ['repository:app:pull', { type: 'repository', name: 'app', actions: ['pull'] }],
  ])('parses %s', (text, scope) => {
    expect(parseScope(text)).toEqual({ ok: true, value: scope });
  });

  it.each([
    ['', 'empty'],
    ['repository', 'no colon'],
    ['repository:acme/app', 'one colon: no action part'],
    [':acme/app:pull', 'no type'],
    ['repository::pull', 'no name'],
    ['Repository:acme/app:pull', 'upper-case type'],
    ['repo-sitory:acme/app:pull', 'dash in type'],
    ['repository(:acme/app:pull', 'unclosed class'],
    ['repository(plugin:acme/app:pull', 'unclosed class with name'],
    ['repository():acme/app:pull', 'empty class'],
    ['repository(a)(b):acme/app:pull', 'two classes'],
    ['repository:acme/App:pull', 'upper case in a path component'],
    ['repository:acme//app:pull', 'empty segment'],
    ['repository:/acme/app:pull', 'leading slash'],
    ['repository:acme/app/:pull', 'trailing slash'],
    ['repository:acme/-app:pull', 'component starting with a separator'],
    ['repository:acme/a..b:pull', 'two dots'],
    ['repository:acme/a___b:pull', 'three underscores'],
    ['repository:localhost:5000:pull', 'a host and nothing else'],
    ['repository:local_host:5000/acme:pull', 'underscore in a host'],
    ['repository:-host.com/acme:pull', 'host starting with a dash'],
    ['repository:host:port/acme:pull', 'non-numeric port'],
    ['repository:acme/app:pu$h', 'bad action'],
    ['repository:acme/app:PULL', 'upper-case action'],
    ['repository:acme/app:pull,', 'empty action in a list'],
    ['repository:acme/app:pull push', 'space inside (one value, two texts, both malformed on their own)'],
    [`repository:acme/${'a'.repeat(260)}:pull`, 'name over 255 characters'],
  ])('drops %j (%s)', (text) => {
    expect(parseScope(text)).toEqual({ ok: false, code: 'MALFORMED', message: expect.any(String) });
  });
});

describe('parseScopeParameters', () => {
  it('never throws, keeps at most the limit, and accounts for every non-empty text', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(grammarish, fc.string({ unit: 'binary', maxLength: 80 })), { maxLength: 8 }),
        fc.integer({ min: 0, max: 5 }),
        (values, limit) => {
          const { scopes, rejected } = parseScopeParameters(values, limit);
          const texts = values.flatMap((v) => v.split(' ')).filter((t) => t.length > 0);
          expect(scopes.length).toBeLessThanOrEqual(limit);
          expect(scopes.length + rejected.length).toBe(texts.length);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('gives the same scopes whether they come as repeated parameters or space-separated in one', () => {
    fc.assert(
      fc.property(fc.array(validScope, { maxLength: 6 }), fc.integer({ min: 1, max: 6 }), (scopes, chunk) => {
        const texts = scopes.map(formatScope);
        const grouped: string[] = [];
        for (let i = 0; i < texts.length; i += chunk) grouped.push(texts.slice(i, i + chunk).join(' '));
        expect(parseScopeParameters(texts).scopes).toEqual(scopes);
        expect(parseScopeParameters(grouped).scopes).toEqual(scopes);
        expect(parseScopeParameters([texts.join('  ')]).scopes).toEqual(scopes);
      }),
      { numRuns: 300 },
    );
  });

  it('reads the multi-scope challenge distribution 2.8 sends during a push with a cross-repository mount', () => {
    const { scopes, rejected } = parseScopeParameters([
      'repository:acme/readonly:pull,push repository:acme/app:pull',
      'registry:catalog:*',
    ]);
    expect(rejected).toEqual([]);
    expect(scopes.map(formatScope)).toEqual([
      'repository:acme/readonly:pull,push',
      'repository:acme/app:pull',
      'registry:catalog:*',
    ]);
  });

  it('reports malformed texts and the ones past the limit, and keeps the rest', () => {
    const many = Array.from({ length: MAX_SCOPES_PER_REQUEST + 2 }, (_, i) => `repository:acme/app${i}:pull`);
    const { scopes, rejected } = parseScopeParameters(['nonsense', ...many]);
    expect(scopes).toHaveLength(MAX_SCOPES_PER_REQUEST);
    expect(rejected).toEqual([
      { text: 'nonsense', code: 'MALFORMED' },
      { text: many[MAX_SCOPES_PER_REQUEST], code: 'TOO_MANY' },
      { text: many[MAX_SCOPES_PER_REQUEST + 1], code: 'TOO_MANY' },
    ]);
  });

  it('returns frozen results', () => {
    const parsed = parseScopeParameters(['repository:acme/app:pull']);
    expect(Object.isFrozen(parsed.scopes)).toBe(true);
    expect(Object.isFrozen(parsed.scopes[0])).toBe(true);
    expect(Object.isFrozen(parsed.scopes[0]?.actions)).toBe(true);
  });
});
