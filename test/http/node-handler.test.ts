import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import { connect, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  serveNode,
  toNodeHandler,
  type FetchContext,
  type FetchHandler,
  type NodeServerHandle,
} from '../../src/http/index.js';
import { makeSelfSigned } from '../registry/keys.js';

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/** A handler that answers what it was given: the URL and the context. */
const echo: FetchHandler = async (request, context) => Response.json({ url: request.url, context: context ?? null });

async function serve(handler: FetchHandler, options: Parameters<typeof serveNode>[1] = {}): Promise<NodeServerHandle> {
  const server = await serveNode(handler, options);
  closers.push(() => server.close());
  return server;
}

async function listen(server: Server): Promise<number> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return (server.address() as AddressInfo).port;
}

async function echoed(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ url: string; context: FetchContext | null }> {
  return (await (await fetch(url, { headers })).json()) as { url: string; context: FetchContext | null };
}

describe('toNodeHandler on node:http', () => {
  it('hands the handler the socket address as clientAddress, on a plain createServer too', async () => {
    const port = await listen(createServer(toNodeHandler(echo)));
    expect(await echoed(`http://127.0.0.1:${port}/a?b=1`)).toEqual({
      url: `http://127.0.0.1:${port}/a?b=1`,
      context: { clientAddress: '127.0.0.1' },
    });
  });

  it('serveNode passes trustProxy on: X-Forwarded-For counts only through the proxies listed, IPv6 too', async () => {
    const trusting = await serve(echo, { host: '::1', trustProxy: ['::1'] });
    expect((await echoed(`${trusting.url}/`, { 'x-forwarded-for': '2001:db8::7' })).context).toEqual({
      clientAddress: '2001:db8::7',
    });
    const other = await serve(echo, { host: '::1', trustProxy: ['10.0.0.0/8'] });
    expect((await echoed(`${other.url}/`, { 'x-forwarded-for': '2001:db8::7' })).context).toEqual({
      clientAddress: '::1',
    });
    const none = await serve(echo, { host: '::1' });
    expect((await echoed(`${none.url}/`, { 'x-forwarded-for': '2001:db8::7' })).context).toEqual({
      clientAddress: '::1',
    });
  });

  it('resolves a request without Host against the address the connection reached', async () => {
    const server = await serve(echo);
    const socket = connect(server.port, '127.0.0.1');
    socket.end('GET /no-host?x=1 HTTP/1.0\r\n\r\n');
    const chunks: Buffer[] = [];
    for await (const chunk of socket) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const body = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as { url: string };
    expect(body.url).toBe(`http://127.0.0.1:${server.port}/no-host?x=1`);
  });

  it('builds https URLs on a TLS socket', async () => {
    const keys = makeSelfSigned('p256');
    const port = await listen(
      createHttpsServer({ key: keys.keyPem, cert: keys.chainPem }, toNodeHandler(echo)) as unknown as Server,
    );
    const body = await new Promise<string>((resolve, reject) => {
      const request = httpsRequest(
        { host: '127.0.0.1', port, path: '/tls?y=2', rejectUnauthorized: false },
        (response) => {
          let text = '';
          response
            .setEncoding('utf8')
            .on('data', (chunk: string) => void (text += chunk))
            .on('end', () => resolve(text))
            .on('error', reject);
        },
      );
      request.on('error', reject).end();
    });
    expect(JSON.parse(body)).toEqual({
      url: `https://127.0.0.1:${port}/tls?y=2`,
      context: { clientAddress: '127.0.0.1' },
    });
  });
});
