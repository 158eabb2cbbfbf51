import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { json } from '../../src/http/json-response.js';
import { AUDIENCE, basic, makeEndpointFixture } from '../registry/endpoint-fixture.js';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');
const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );

describe('json, the one JSON response of the HTTP surfaces', () => {
  it('serializes the body with the JSON content type and no-store; headers add to or override them', async () => {
    const plain = json(201, { a: 1 });
    expect(plain.status).toBe(201);
    expect(Object.fromEntries(plain.headers)).toEqual({
      'content-type': 'application/json',
      'cache-control': 'no-store',
    });
    expect(await plain.json()).toEqual({ a: 1 });
    const more = json(401, null, { pragma: 'no-cache', 'www-authenticate': 'Bearer realm="x"' });
    expect(Object.fromEntries(more.headers)).toEqual({
      'content-type': 'application/json',
      'cache-control': 'no-store',
      pragma: 'no-cache',
      'www-authenticate': 'Bearer realm="x"',
    });
  });

  it('answers the token endpoint with the Pragma OAuth 2.0 asks of token responses, on success and error', async () => {
    const fixture = await makeEndpointFixture(Date.now());
    const endpoint = fixture.build();
    const url = `http://token.test/token?service=${AUDIENCE}`;
    const ok = await endpoint(new Request(url, { headers: { authorization: basic('acme', fixture.secret) } }));
    const refused = await endpoint(new Request(url, { headers: { authorization: basic('acme', 'wrong') } }));
    expect([ok.status, refused.status]).toEqual([200, 401]);
    for (const response of [ok, refused]) {
      expect(response.headers.get('content-type')).toBe('application/json');
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('pragma')).toBe('no-cache');
    }
  });

  it('is the only place in src that builds a Response from JSON.stringify', () => {
    const builders = files(SRC)
      .filter((file) => /new Response\(\s*JSON\.stringify/.test(readFileSync(file, 'utf8')))
      .map((file) => relative(SRC, file));
    expect(builders).toEqual(['http/json-response.ts']);
  });
});
