import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { AUDIENCE, REALM, basic, makeEndpointFixture } from './endpoint-fixture.js';

// docs/registry.md, "A logged-in token can see less than nobody": clients send stored credentials with every request.
describe('public repositories under public-pull', () => {
  it('an anonymous client may pull a public repository that a token without */*/public is refused', async () => {
    const { build, secret } = await makeEndpointFixture(Date.UTC(2026, 0, 1));
    const endpoint = build({ repositoryVisibility: (name) => (name.startsWith('library/') ? 'public' : 'private') });
    const url = `${REALM}?service=${AUDIENCE}&scope=repository:library/alpine:pull&scope=repository:acme/app:pull`;
    const accessOf = async (response: Response): Promise<unknown> =>
      decodeJwt(((await response.json()) as { token: string }).token).access;
    expect(await accessOf(await endpoint(new Request(url)))).toEqual([
      { type: 'repository', name: 'library/alpine', actions: ['pull'] },
    ]);
    expect(
      await accessOf(await endpoint(new Request(url, { headers: { authorization: basic('acme', secret) } }))),
    ).toEqual([{ type: 'repository', name: 'acme/app', actions: ['pull'] }]);
  });
});
