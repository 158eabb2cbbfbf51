import { decodeJwt } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createMemoryTokenStore, createTokenService } from '../../src/index.js';
import { createFakeClock } from '../../src/testing/fake-clock.js';
import { countingStream, countingStreamOf, streamingRequest, type CountingStream } from '../support/counting-stream.js';
import { AUDIENCE, REALM, basic, makeEndpointFixture, type EndpointFixture } from './endpoint-fixture.js';

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0);
const MAX_FORM_BYTES = 16 * 1024;
const CHUNK = 4 * 1024;
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

let build: EndpointFixture['build'];
let secret: string;

/** A form body of `chunks` chunks of 4 KiB, produced only as it is pulled. */
function hugeForm(chunks: number): CountingStream {
  return countingStream(CHUNK, chunks, 0x61);
}

beforeAll(async () => {
  ({ build, secret } = await makeEndpointFixture(NOW));
});

describe('the token endpoint POST form is limited while it streams', () => {
  it('reads no body at all when the Authorization header fails, whatever the body', async () => {
    for (const authorization of [basic('acme', `${secret}x`), 'Bearer nonsense']) {
      const body = hugeForm(8192); // 32 MiB
      const response = await build()(streamingRequest(REALM, body.stream, { ...FORM, authorization }));
      expect(response.status).toBe(401);
      expect(body.pulled()).toBe(0);
    }
  });

  it('caps a password-grant form at 16 KiB as it streams: 413, at most one chunk over, stream cancelled', async () => {
    const body = hugeForm(8192);
    const response = await build()(streamingRequest(REALM, body.stream, FORM));
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({ errors: [{ code: 'SIZE_INVALID', message: 'The form is too large' }] });
    expect(body.pulled()).toBeLessThanOrEqual(MAX_FORM_BYTES + CHUNK);
    expect(body.cancelled()).toBe(true);
  });

  it('caps a form whose Content-Length is smaller than what it sends', async () => {
    const body = hugeForm(8192);
    const response = await build()(streamingRequest(REALM, body.stream, { ...FORM, 'content-length': '100' }));
    expect(response.status).toBe(413);
    expect(body.pulled()).toBeLessThanOrEqual(MAX_FORM_BYTES + CHUNK);
    expect(body.cancelled()).toBe(true);
  });

  it('refuses a declared Content-Length over 16 KiB before reading or authenticating', async () => {
    const body = hugeForm(8192);
    const response = await build()(
      streamingRequest(REALM, body.stream, {
        ...FORM,
        'content-length': String(32 * 1024 * 1024),
        authorization: basic('acme', secret),
      }),
    );
    expect(response.status).toBe(413);
    expect(body.pulled()).toBe(0);
  });

  it('takes credentials from the header and the rest from the form', async () => {
    const form = new URLSearchParams({ grant_type: 'password', service: AUDIENCE, scope: 'repository:acme/app:pull' });
    const response = await build()(
      new Request(REALM, { method: 'POST', body: form, headers: { authorization: basic('acme', secret) } }),
    );
    expect(response.status).toBe(200);
    expect(decodeJwt(((await response.json()) as { token: string }).token).access).toEqual([
      { type: 'repository', name: 'acme/app', actions: ['pull'] },
    ]);
  });

  it('answers 400 to credentials in both the header and the form', async () => {
    const form = new URLSearchParams({ grant_type: 'password', service: AUDIENCE, username: 'acme', password: secret });
    const response = await build()(
      new Request(REALM, { method: 'POST', body: form, headers: { authorization: basic('acme', secret) } }),
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      errors: [{ code: 'INVALID_REQUEST', message: expect.stringContaining('not both') }],
    });
  });

  it('answers 401, not 500, when the token reaches its last minute while the form trickles in', async () => {
    const ownClock = createFakeClock(NOW);
    const ownService = createTokenService({
      store: createMemoryTokenStore(),
      clock: ownClock,
      organizations: [{ name: 'acme', plan: 'business', owners: ['alice'] }],
    });
    const created = await ownService.create({ username: 'alice' }, 'acme', {
      label: 'ci',
      expiry: '30d',
      resources: [{ type: 'repository', path: 'acme/app', scopes: ['scope-image-pull'] }],
    });
    ownClock.set((created.token.expiresAt as number) - 3 * 60_000);
    const errors: unknown[] = [];
    const form = new TextEncoder().encode(
      new URLSearchParams({ grant_type: 'password', service: AUDIENCE, scope: 'repository:acme/app:pull' }).toString(),
    );
    function* slowly(): Generator<Uint8Array> {
      ownClock.advance(150_000); // the client takes two and a half minutes to send its form
      yield form;
    }
    const endpoint = build({ tokenService: ownService, clock: ownClock, onError: (error) => errors.push(error) });
    const response = await endpoint(
      streamingRequest(REALM, countingStreamOf(slowly()).stream, {
        ...FORM,
        authorization: basic('acme', created.secret.reveal()),
      }),
    );
    expect(response.status).toBe(401);
    expect(errors).toEqual([]);
  });
});
