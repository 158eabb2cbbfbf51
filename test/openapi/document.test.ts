import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createOpenApiDocument,
  toHubAccessToken,
  toHubAccessTokenSummary,
  UNREADABLE_HEADER,
  type OpenApiDocument,
} from '../../src/hub-api/index.js';
import { isOatError } from '../../src/index.js';
import { tokenRecordArbitrary } from '../../src/testing/arbitraries.js';
import { createContract } from '../support/openapi-contract.js';

const committed = readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8');
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

type Json = Record<string, any>;
const asJson = (document: OpenApiDocument): Json => JSON.parse(JSON.stringify(document)) as Json;

/** Every `$ref` in `value`, with where it sits. */
function refsOf(value: unknown, at = '#'): Array<{ readonly at: string; readonly ref: string }> {
  if (Array.isArray(value)) return value.flatMap((item, i) => refsOf(item, `${at}/${i}`));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([key, child]) =>
    key === '$ref' && typeof child === 'string' ? [{ at, ref: child }] : refsOf(child, `${at}/${key}`),
  );
}

function resolves(document: Json, ref: string): boolean {
  if (!ref.startsWith('#/')) return false;
  let node: unknown = document;
  for (const part of ref.slice(2).split('/'))
    node = typeof node === 'object' && node !== null ? (node as Json)[part] : undefined;
  return node !== undefined;
}

const operationIds = (document: Json): string[] =>
  Object.values(document.paths as Json).flatMap((item: Json) =>
    ['get', 'post', 'patch', 'delete'].filter((m) => m in item).map((m) => item[m].operationId as string),
  );

describe('createOpenApiDocument', () => {
  it('is what docs/openapi.json holds, byte for byte (run `npm run docs:openapi` after changing a schema)', () => {
    expect(committed).toBe(`${JSON.stringify(createOpenApiDocument(), null, 2)}\n`);
  });

  it(
    'describes the five Hub API operations, the rotate extension and GET and POST /token, under OpenAPI 3.1 ' +
      'and the package version',
    () => {
      const document = asJson(createOpenApiDocument());
      expect(document.openapi).toBe('3.1.0');
      expect(document.info.version).toBe(pkg.version);
      expect(Object.keys(document.paths)).toEqual([
        '/v2/orgs/{org}/access-tokens',
        '/v2/orgs/{org}/access-tokens/{id}',
        '/v2/orgs/{org}/access-tokens/{id}/rotate',
        '/token',
      ]);
      expect(operationIds(document)).toEqual([
        'listAccessTokens',
        'createAccessToken',
        'getAccessToken',
        'updateAccessToken',
        'deleteAccessToken',
        'rotateAccessToken',
        'getRegistryToken',
        'postRegistryToken',
      ]);
    },
  );

  it('names Bearer for the Hub API and Basic (or nobody) for the token endpoint', () => {
    const document = asJson(createOpenApiDocument());
    expect(document.components.securitySchemes.hubBearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(document.components.securitySchemes.registryBasic).toMatchObject({ type: 'http', scheme: 'basic' });
    expect(document.paths['/v2/orgs/{org}/access-tokens'].post.security).toEqual([{ hubBearer: [] }]);
    expect(document.paths['/token'].get.security).toEqual([{ registryBasic: [] }, {}]);
  });

  it(
    'documents WWW-Authenticate on every 401, x-oat-unreadable-tokens on the list, Location on a create, as ' +
      'required headers',
    () => {
      const document = asJson(createOpenApiDocument());
      const headersOf = (response: Json): Json =>
        (response.$ref === undefined ? response : document.components.responses[response.$ref.split('/').pop()])
          .headers;
      for (const path of Object.values(document.paths) as Json[]) {
        for (const method of ['get', 'post', 'patch', 'delete'].filter((m) => m in path)) {
          expect(Object.keys(headersOf(path[method].responses['401']))).toContain('WWW-Authenticate');
        }
      }
      const collection = document.paths['/v2/orgs/{org}/access-tokens'];
      expect(collection.get.responses['200'].headers[UNREADABLE_HEADER]).toEqual({
        $ref: '#/components/headers/UnreadableTokens',
      });
      expect(document.components.headers.UnreadableTokens).toMatchObject({
        required: true,
        schema: { type: 'integer', minimum: 0 },
      });
      expect(collection.post.responses['201'].headers.Location).toEqual({ $ref: '#/components/headers/Location' });
      expect(document.components.headers.WWWAuthenticateBearer.required).toBe(true);
    },
  );

  it('mounts the paths where the options say, and leaves the token endpoint out for tokenPath: null', () => {
    const moved = asJson(
      createOpenApiDocument({
        basePath: 'api/',
        tokenPath: '/auth/token',
        servers: [{ url: 'https://hub.example.com' }],
      }),
    );
    expect(Object.keys(moved.paths)).toEqual([
      '/api/v2/orgs/{org}/access-tokens',
      '/api/v2/orgs/{org}/access-tokens/{id}',
      '/api/v2/orgs/{org}/access-tokens/{id}/rotate',
      '/auth/token',
    ]);
    expect(moved.servers).toEqual([{ url: 'https://hub.example.com' }]);
    const hubOnly = asJson(createOpenApiDocument({ tokenPath: null }));
    expect(Object.keys(hubOnly.paths)).toEqual([
      '/v2/orgs/{org}/access-tokens',
      '/v2/orgs/{org}/access-tokens/{id}',
      '/v2/orgs/{org}/access-tokens/{id}/rotate',
    ]);
    expect(Object.keys(hubOnly.components.securitySchemes)).toEqual(['hubBearer']);
    expect(
      Object.keys(hubOnly.components.schemas).filter(
        (name) => !name.startsWith('Hub') && !name.endsWith('AccessTokenRequest'),
      ),
    ).toEqual([]);
    expect(hubOnly.tags.map((tag: Json) => tag.name)).toEqual(['Hub API']);
  });

  it('leaves no $ref dangling, with or without the token endpoint', () => {
    for (const document of [
      createOpenApiDocument(),
      createOpenApiDocument({ tokenPath: null }),
      createOpenApiDocument({ basePath: '/api' }),
    ].map(asJson)) {
      const refs = refsOf(document);
      expect(refs.length).toBeGreaterThan(20);
      expect(refs.filter(({ ref }) => !resolves(document, ref))).toEqual([]);
    }
  });

  it('refuses a basePath or tokenPath that is not a path with MISCONFIGURED naming it', () => {
    for (const [options, field] of [
      [{ basePath: '/api/{tenant}' }, 'basePath'],
      [{ tokenPath: 'token' }, 'tokenPath'],
      [{ tokenPath: '/token?x=1' }, 'tokenPath'],
      [{ tokenPath: 42 as unknown as string }, 'tokenPath'],
    ] as const) {
      let thrown: unknown;
      try {
        createOpenApiDocument(options);
      } catch (error) {
        thrown = error;
      }
      expect(isOatError(thrown) && thrown.code === 'MISCONFIGURED' && thrown.context.field === field).toBe(true);
    }
  });

  it('gives a fresh object each call: changing one document leaves the next alone', () => {
    const first = createOpenApiDocument() as unknown as Json;
    first.paths['/token'].get.parameters[0].name = 'changed';
    first.components.schemas.HubResource.type = 'changed';
    expect(createOpenApiDocument()).toEqual(JSON.parse(committed));
  });

  it('compiles every component schema and every inline schema under ajv strict mode', () => {
    const contract = createContract(asJson(createOpenApiDocument()));
    expect(contract.compileAll()).toBeGreaterThan(30);
  });

  it(
    'property: toHubAccessToken and toHubAccessTokenSummary give bodies the document accepts, for any ' +
      'token record',
    () => {
      const contract = createContract(JSON.parse(committed) as Json);
      fc.assert(
        fc.property(tokenRecordArbitrary(), (record) => {
          expect(contract.validateSchema('HubAccessToken', toHubAccessToken(record))).toEqual([]);
          expect(contract.validateSchema('HubAccessTokenSummary', toHubAccessTokenSummary(record))).toEqual([]);
        }),
      );
    },
  );
});
