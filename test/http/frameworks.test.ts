import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { getConnInfo } from '@hono/node-server/conninfo';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { toNodeHandler, type NodeHandlerOptions } from '../../src/http/index.js';
import { COLLECTION, createTokenAndLogin, makeStack, postChunked, postLargeForm, type Stack } from './stack.js';

// The recipes of docs/node-adapters.md, on real Express, Fastify and Hono apps driven over HTTP.

interface Mounted {
  readonly url: string;
  close(): Promise<void>;
}

const running: Mounted[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((m) => m.close()));
});

async function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve, reject) =>
    server.close((error) => (error === undefined ? resolve() : reject(error))),
  );
}

function urlOf(server: Server): string {
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Express mounts under a path: `app.use('/v2', ...)` rewrites `req.url`, and the handler still sees the whole URL. */
async function mountOnExpress(stack: Stack, options: NodeHandlerOptions = {}): Promise<Mounted> {
  const app = express();
  app.use('/v2', toNodeHandler(stack.hubApi, options));
  app.use('/token', toNodeHandler(stack.tokenEndpoint, options));
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: urlOf(server), close: () => closeServer(server) };
}

/**
 * Fastify parses bodies itself: in the adapters' scope, one pass-through parser leaves the raw stream to
 * `toNodeHandler`.
 */
async function mountOnFastify(stack: Stack, options: NodeHandlerOptions = {}): Promise<Mounted> {
  const app = Fastify();
  const hubApi = toNodeHandler(stack.hubApi, options);
  const tokenEndpoint = toNodeHandler(stack.tokenEndpoint, options);
  await app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_request, _payload, done) => done(null));
    scope.all('/v2/*', async (request, reply) => {
      reply.hijack();
      await hubApi(request.raw, reply.raw);
    });
    scope.all('/token', async (request, reply) => {
      reply.hijack();
      await tokenEndpoint(request.raw, reply.raw);
    });
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { url: urlOf(app.server), close: () => app.close() };
}

/** Hono is Fetch-native: the handlers take `c.req.raw`, and the client address comes from `getConnInfo`. */
async function mountOnHono(stack: Stack): Promise<Mounted> {
  const app = new Hono();
  app.all('/v2/*', (c) => stack.hubApi(c.req.raw, { clientAddress: getConnInfo(c).remote.address }));
  app.all('/token', (c) => stack.tokenEndpoint(c.req.raw, { clientAddress: getConnInfo(c).remote.address }));
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
  await once(server, 'listening');
  return { url: urlOf(server), close: () => closeServer(server) };
}

async function mount(
  on: (stack: Stack, options?: NodeHandlerOptions) => Promise<Mounted>,
  options?: NodeHandlerOptions,
): Promise<{ stack: Stack; url: string }> {
  const stack = makeStack();
  const mounted = await on(stack, options);
  running.push(mounted);
  return { stack, url: mounted.url };
}

const FRAMEWORKS = [
  { name: 'Express', on: mountOnExpress },
  { name: 'Fastify', on: mountOnFastify },
  { name: 'Hono', on: mountOnHono },
] as const;

describe.each(FRAMEWORKS)('the Hub API and the token endpoint mounted on $name', ({ on }) => {
  it('create a token through the Hub API, then give a registry JWT for it, both told the socket address', async () => {
    const { stack, url } = await mount(on);
    await createTokenAndLogin(url);
    expect(stack.hubContexts).toEqual([{ clientAddress: '127.0.0.1' }]);
    expect(stack.endpointContexts).toEqual([{ clientAddress: '127.0.0.1' }]);
  });

  it('refuse a 4 MiB chunked body to the Hub API with 413', async () => {
    const { url } = await mount(on);
    expect(await postChunked(`${url}${COLLECTION}`, 'application/json')).toBe(413);
  });

  it("refuse a token-request form over the endpoint's 16 KiB with its 413", async () => {
    const { url } = await mount(on);
    expect(await postLargeForm(`${url}/token`)).toEqual({
      status: 413,
      body: { errors: [{ code: 'SIZE_INVALID', message: 'The form is too large' }] },
    });
  });

  it('ignore X-Forwarded-For when nothing says which proxies to trust', async () => {
    const { stack, url } = await mount(on);
    await createTokenAndLogin(url, { 'x-forwarded-for': '203.0.113.7' });
    expect([...stack.hubContexts, ...stack.endpointContexts]).toEqual([
      { clientAddress: '127.0.0.1' },
      { clientAddress: '127.0.0.1' },
    ]);
  });
});

describe.each(FRAMEWORKS.filter((f) => f.name !== 'Hono'))('toNodeHandler on $name', ({ on }) => {
  it('refuses an over-limit body with 413 before the handler runs (the same streamed limit as serveNode)', async () => {
    const { stack, url } = await mount(on);
    expect(await postChunked(`${url}${COLLECTION}`, 'application/json')).toBe(413);
    expect(stack.hubContexts).toEqual([]);
  });

  it('takes the right-most untrusted address of X-Forwarded-For when the socket is a trusted proxy', async () => {
    const { stack, url } = await mount(on, { trustProxy: ['127.0.0.1', '10.0.0.0/8'] });
    await createTokenAndLogin(url, { 'x-forwarded-for': '198.51.100.1, 203.0.113.7, 10.1.2.3' });
    expect([...stack.hubContexts, ...stack.endpointContexts]).toEqual([
      { clientAddress: '203.0.113.7' },
      { clientAddress: '203.0.113.7' },
    ]);
  });

  it('keeps the socket address when the socket is not a trusted proxy, whatever X-Forwarded-For says', async () => {
    const { stack, url } = await mount(on, { trustProxy: ['10.0.0.0/8'] });
    await createTokenAndLogin(url, { 'x-forwarded-for': '203.0.113.7, 10.1.2.3' });
    expect([...stack.hubContexts, ...stack.endpointContexts]).toEqual([
      { clientAddress: '127.0.0.1' },
      { clientAddress: '127.0.0.1' },
    ]);
  });
});
