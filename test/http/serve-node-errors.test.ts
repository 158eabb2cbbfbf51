import type { Server } from 'node:http';
import { connect } from 'node:net';
import { Duplex } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { serveNode, type NodeServerHandle } from '../../src/http/index.js';

// serveNode hands out no server: keep each one createServer makes, to emit on it.
const created = vi.hoisted(() => [] as Server[]);
vi.mock('node:http', async (importOriginal) => {
  const http = await importOriginal<typeof import('node:http')>();
  const createServer = ((...args: Parameters<typeof http.createServer>) => {
    const server = http.createServer(...args);
    created.push(server);
    return server;
  }) as typeof http.createServer;
  return { ...http, createServer };
});

const started: NodeServerHandle[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(started.splice(0).map((s) => s.close()));
});

async function serve(
  options: Parameters<typeof serveNode>[1] = {},
): Promise<{ handle: NodeServerHandle; server: Server }> {
  const handle = await serveNode(async () => new Response('ok'), options);
  started.push(handle);
  return { handle, server: created.at(-1) as Server };
}

/** A socket stand-in that records what is written to it and whether it was closed. */
function fakeSocket(): Duplex & { written: string[] } {
  const written: string[] = [];
  const socket = new Duplex({
    read() {},
    write(chunk, _encoding, done) {
      written.push(String(chunk));
      done();
    },
  });
  return Object.assign(socket, { written });
}

/** Sends raw bytes and reads until the server closes. */
function rawExchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    let reply = '';
    socket.on('data', (chunk) => {
      reply += String(chunk);
    });
    socket.on('close', () => resolve(reply));
    socket.on('error', reject);
  });
}

describe('serveNode faults outside a request', () => {
  it('reports a server error after listen to onError and keeps serving', async () => {
    const seen: Array<[string, string]> = [];
    const { handle, server } = await serve({ onError: (error, source) => seen.push([error.message, source]) });
    server.emit('error', Object.assign(new Error('accept EMFILE'), { code: 'EMFILE' }));
    expect(seen).toEqual([['accept EMFILE', 'server']]);
    expect(await (await fetch(`${handle.url}/`)).text()).toBe('ok');
  });

  it('by default turns a server error into a process warning instead of an uncaught exception', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const { handle, server } = await serve();
    server.emit('error', Object.assign(new Error('accept EMFILE'), { code: 'EMFILE' }));
    expect(warn).toHaveBeenCalledWith('serveNode: server error EMFILE: accept EMFILE');
    expect(await (await fetch(`${handle.url}/`)).text()).toBe('ok');
  });

  it('survives an onError that throws', async () => {
    const { server } = await serve({
      onError: () => {
        throw new Error('logger down');
      },
    });
    expect(() => server.emit('error', new Error('accept EMFILE'))).not.toThrow();
  });

  it('answers a client error 400, closes the socket and reports it without the raw bytes', async () => {
    const seen: Array<{ error: Error; source: string }> = [];
    const { server } = await serve({ onError: (error, source) => seen.push({ error, source }) });
    const socket = fakeSocket();
    const error = Object.assign(new Error('Parse Error'), {
      code: 'HPE_INVALID_METHOD',
      rawPacket: Buffer.from('BREW / HTTP/1.1\r\nAuthorization: Bearer oat_secret\r\n'),
    });
    server.emit('clientError', error, socket);
    expect(socket.written.join('')).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(socket.destroyed).toBe(true);
    expect(seen).toEqual([{ error, source: 'client' }]);
    expect('rawPacket' in (seen[0]?.error ?? {})).toBe(false);
  });

  it.each([
    ['HPE_HEADER_OVERFLOW', '431 Request Header Fields Too Large'],
    ['HPE_CHUNK_EXTENSIONS_OVERFLOW', '413 Payload Too Large'],
    ['ERR_HTTP_REQUEST_TIMEOUT', '408 Request Timeout'],
    ['HPE_INVALID_CHUNK_SIZE', '400 Bad Request'],
  ])('answers %s with %s, as Node does by default', async (code, status) => {
    const { server } = await serve({ onError: () => undefined });
    const socket = fakeSocket();
    server.emit('clientError', Object.assign(new Error(code), { code }), socket);
    expect(socket.written.join('')).toMatch(new RegExp(`^HTTP/1\\.1 ${status}\r\nConnection: close\r\n`));
    expect(socket.destroyed).toBe(true);
  });

  it('writes nothing to a connection reset, not writable, or whose response head went out', async () => {
    const { server } = await serve({ onError: () => undefined });
    const reset = fakeSocket();
    const ended = fakeSocket();
    ended.end();
    const answering = Object.assign(fakeSocket(), { _httpMessage: { _headerSent: true, headersSent: true } });
    server.emit('clientError', Object.assign(new Error('reset'), { code: 'ECONNRESET' }), reset);
    server.emit('clientError', Object.assign(new Error('bad'), { code: 'HPE_INVALID_METHOD' }), ended);
    server.emit('clientError', Object.assign(new Error('bad'), { code: 'HPE_INVALID_METHOD' }), answering);
    for (const socket of [reset, ended, answering]) {
      expect(socket.written).toEqual([]);
      expect(socket.destroyed).toBe(true);
    }
  });

  it('answers a connection whose response head is composed but not yet sent, as Node does', async () => {
    const { server } = await serve({ onError: () => undefined });
    const socket = Object.assign(fakeSocket(), { _httpMessage: { _headerSent: false, headersSent: true } });
    server.emit('clientError', Object.assign(new Error('bad'), { code: 'HPE_INVALID_METHOD' }), socket);
    expect(socket.written.join('')).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
  });

  it('answers a bad request 400 on a keep-alive connection that already carried a response', async () => {
    const { handle } = await serve({ onError: () => undefined });
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(handle.port, '127.0.0.1', () => socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
      let received = '';
      socket.on('data', (chunk) => {
        received += String(chunk);
        // The first response is whole: the next bytes arrive after it, on the same connection.
        if (received.endsWith('ok') && !received.includes('400')) socket.write('NOT HTTP AT ALL\r\n\r\n');
      });
      socket.on('close', () => resolve(received));
      socket.on('error', reject);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*ok(HTTP\/1\.1 400 Bad Request\r\n)/);
  });

  it('answers a request that is not HTTP 400 over a real connection, and reports it', async () => {
    const seen: string[] = [];
    const { handle } = await serve({ onError: (_error, source) => seen.push(source) });
    const reply = await rawExchange(handle.port, 'NOT HTTP AT ALL\r\n\r\n');
    expect(reply).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(seen).toEqual(['client']);
  });

  it('refuses an onError that is not a function, naming it', async () => {
    await expect(serveNode(async () => new Response('ok'), { onError: 'log' as never })).rejects.toMatchObject({
      code: 'MISCONFIGURED',
      context: { field: 'onError' },
    });
  });
});
