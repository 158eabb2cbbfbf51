import { afterEach, describe, expect, it } from 'vitest';
import { MAX_REQUEST_BODY_BYTES, serveNode, type NodeServerHandle } from '../../src/http/index.js';
import { countingStream } from '../support/counting-stream.js';

const started: NodeServerHandle[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()));
});

async function serve(handler: (request: Request) => Promise<Response>): Promise<NodeServerHandle> {
  const server = await serveNode(handler);
  started.push(server);
  return server;
}

describe('serveNode', () => {
  it('listens on 127.0.0.1 on a random port and reports its URL', async () => {
    const server = await serve(async () => new Response('ok'));
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.port).toBeGreaterThan(0);
    const reply = await fetch(`${server.url}/`);
    expect(await reply.text()).toBe('ok');
  });

  it('hands the handler the method, absolute URL, query, headers and body of the request', async () => {
    const server = await serve(async (request) =>
      Response.json({
        method: request.method,
        url: request.url,
        header: request.headers.get('x-test'),
        body: await request.text(),
      }),
    );
    const reply = await fetch(`${server.url}/a/b?c=1&d=2`, {
      method: 'PATCH',
      headers: { 'x-test': 'yes' },
      body: '{"a":1}',
    });
    expect(await reply.json()).toEqual({
      method: 'PATCH',
      url: `${server.url}/a/b?c=1&d=2`,
      header: 'yes',
      body: '{"a":1}',
    });
  });

  it('writes status, headers (every set-cookie) and body of the response back', async () => {
    const server = await serve(async () => {
      const headers = new Headers({ 'content-type': 'application/json', 'x-one': '1' });
      headers.append('set-cookie', 'a=1');
      headers.append('set-cookie', 'b=2');
      return new Response('{"created":true}', { status: 201, headers });
    });
    const reply = await fetch(`${server.url}/`, { method: 'POST', body: 'x' });
    expect(reply.status).toBe(201);
    expect(reply.headers.get('content-type')).toBe('application/json');
    expect(reply.headers.get('x-one')).toBe('1');
    expect(reply.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await reply.json()).toEqual({ created: true });
  });

  it('sends no body with 204', async () => {
    const server = await serve(async () => new Response(null, { status: 204 }));
    const reply = await fetch(`${server.url}/`, { method: 'DELETE' });
    expect(reply.status).toBe(204);
    expect(await reply.text()).toBe('');
  });

  it('answers a bare 500 that reveals nothing when the handler throws', async () => {
    const server = await serve(async () => {
      throw new Error('database password is hunter2');
    });
    const reply = await fetch(`${server.url}/`);
    expect(reply.status).toBe(500);
    expect(await reply.text()).toBe('Internal Server Error');
  });

  it('refuses a body over the limit with 413 without calling the handler', async () => {
    let calls = 0;
    const server = await serve(async () => {
      calls++;
      return new Response('ok');
    });
    const reply = await fetch(`${server.url}/`, { method: 'POST', body: 'x'.repeat(MAX_REQUEST_BODY_BYTES + 1) });
    expect(reply.status).toBe(413);
    expect(calls).toBe(0);
  });

  it('refuses a chunked body (no Content-Length) once it passes the limit, without calling the handler', async () => {
    let calls = 0;
    const server = await serve(async () => {
      calls++;
      return new Response('ok');
    });
    const body = countingStream(64 * 1024, 64); // 4 MiB, sent chunked
    const reply = await fetch(`${server.url}/`, { method: 'POST', body: body.stream, duplex: 'half' } as RequestInit);
    expect(reply.status).toBe(413);
    expect(reply.headers.get('connection')).toBe('close');
    expect(calls).toBe(0);
  });

  it('closes with open keep-alive connections, and close can be called twice', async () => {
    const server = await serveNode(async () => new Response('ok'));
    await (await fetch(`${server.url}/`)).text();
    await server.close();
    await server.close();
    await expect(fetch(`${server.url}/`)).rejects.toThrow();
  });
});
