import { describe, expect, it } from 'vitest';
import { createHubApi, MAX_HUB_BODY_BYTES } from '../../src/hub-api/index.js';
import { createMemoryTokenStore, createTokenService } from '../../src/index.js';
import { conforming, HUB } from '../support/openapi-contract.js';
import { countingStream, countingStreamOf, streamingRequest } from '../support/counting-stream.js';
import { bearerActor, REPO_PULL } from './harness.js';

// The handler on its own, as Bun, Deno, Workers or Hono call it: the body is still streaming when it runs.
const COLLECTION = 'https://hub.example/v2/orgs/acme/access-tokens';
const CHUNK = 64 * 1024;
const JSON_AS_ALICE = { 'content-type': 'application/json', authorization: 'Bearer alice' };

function hubApi(): ReturnType<typeof createHubApi> {
  const service = createTokenService({
    store: createMemoryTokenStore(),
    organizations: [{ name: 'acme', plan: 'business', owners: ['alice'] }],
  });
  return conforming(createHubApi({ service, authenticateCaller: bearerActor }), HUB);
}

describe('Hub API: request bodies are limited while they stream', () => {
  it(
    'answers 413 to a 32 MiB chunked body after pulling at most the limit plus one chunk, and ' + 'cancels it',
    async () => {
      const body = countingStream(CHUNK, 512);
      const reply = await hubApi()(streamingRequest(COLLECTION, body.stream, JSON_AS_ALICE));
      expect(reply.status).toBe(413);
      expect(await reply.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
      expect(body.pulled()).toBeLessThanOrEqual(MAX_HUB_BODY_BYTES + CHUNK);
      expect(body.cancelled()).toBe(true);
    },
  );

  it('caps a body whose Content-Length is smaller than what it sends', async () => {
    const body = countingStream(CHUNK, 512);
    const reply = await hubApi()(
      streamingRequest(COLLECTION, body.stream, { ...JSON_AS_ALICE, 'content-length': '64' }),
    );
    expect(reply.status).toBe(413);
    expect(body.pulled()).toBeLessThanOrEqual(MAX_HUB_BODY_BYTES + CHUNK);
    expect(body.cancelled()).toBe(true);
  });

  it('refuses a declared Content-Length over the limit without reading the body, on PATCH too', async () => {
    const body = countingStream(CHUNK, 512);
    const headers = { ...JSON_AS_ALICE, 'content-length': String(32 * 1024 * 1024) };
    const reply = await hubApi()(
      streamingRequest(`${COLLECTION}/00000000-0000-4000-8000-000000000000`, body.stream, headers, 'PATCH'),
    );
    expect(reply.status).toBe(413);
    expect(body.pulled()).toBe(0);
  });

  it('does not read the body of a caller it does not know', async () => {
    const body = countingStream(CHUNK, 512);
    const reply = await hubApi()(streamingRequest(COLLECTION, body.stream, { 'content-type': 'application/json' }));
    expect(reply.status).toBe(401);
    expect(body.pulled()).toBe(0);
  });

  it('still reads a body under the limit that arrives in many small chunks', async () => {
    const json = new TextEncoder().encode(
      JSON.stringify({ label: 'ci', description: 'd'.repeat(200), resources: [REPO_PULL] }),
    );
    const chunks = Array.from({ length: Math.ceil(json.length / 7) }, (_, i) => json.subarray(i * 7, i * 7 + 7));
    const reply = await hubApi()(streamingRequest(COLLECTION, countingStreamOf(chunks).stream, JSON_AS_ALICE));
    expect(reply.status).toBe(201);
  });
});
