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

  it('answers oversized headers 431, and writes nothing to a connection reset', async () => {
    const { server } = await serve({ onError: () => undefined });
    const big = fakeSocket();
    server.emit('clientError', Object.assign(new Error('too big'), { code: 'HPE_HEADER_OVERFLOW' }), big);
    expect(big.written.join('')).toMatch(/^HTTP\/1\.1 431 /);
    const reset = fakeSocket();
    server.emit('clientError', Object.assign(new Error('reset'), { code: 'ECONNRESET' }), reset);
    expect(reset.written).toEqual([]);
    expect(reset.destroyed).toBe(true);
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
