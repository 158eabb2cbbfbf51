import { createServer, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { OatError } from '../errors.js';
import type { FetchHandler } from './context.js';
import { toNodeHandler, type NodeHandlerOptions } from './node-handler.js';

/** Where {@link serveNode} listens, and whose `X-Forwarded-For` it believes. */
export interface ServeNodeOptions extends NodeHandlerOptions {
  /** Port to listen on. Default 0: a free port the system picks. */
  readonly port?: number;
  /** Address to listen on. Default `127.0.0.1`. */
  readonly host?: string;
  /**
   * Receives what goes wrong outside a request once the server listens:
   * `'server'` for the server's own `error` event (an `accept` that failed
   * with `EMFILE`, say), `'client'` for a connection that broke or sent what
   * is not HTTP (Node's `clientError`: the connection is answered as Node
   * answers it by default, 431 for oversized headers, 413 for oversized chunk
   * extensions, 408 for a request timeout, else 400, unless it is no longer
   * writable or a response's head already went out, and destroyed before this
   * is called). Neither stops the server or the process. The error's
   * `rawPacket` (the client's bytes, which may hold credentials) is removed
   * first. What it throws is ignored.
   * Default: `'server'` errors go to `process.emitWarning` (code and message
   * only), `'client'` ones nowhere, since any client can cause them at will.
   */
  readonly onError?: (error: Error, source: 'server' | 'client') => void;
}

/** A running server started by {@link serveNode}. */
export interface NodeServerHandle {
  /** Base URL without a trailing slash, for example `http://127.0.0.1:41234`. */
  readonly url: string;
  /** The port actually bound (useful with port 0). */
  readonly port: number;
  /** Drops every open connection, then stops listening. Safe to call twice. */
  close(): Promise<void>;
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

const defaultOnError = (error: Error, source: 'server' | 'client'): void => {
  if (source === 'client') return;
  const code = (error as NodeJS.ErrnoException).code;
  process.emitWarning(`serveNode: server error${code === undefined ? '' : ` ${code}`}: ${error.message}`);
};

// The statuses Node 20's own `socketOnError` (lib/_http_server.js) answers with when nobody listens for
// `clientError`; anything else is a 400.
const CLIENT_ERROR_STATUS: Readonly<Record<string, string>> = {
  HPE_HEADER_OVERFLOW: '431 Request Header Fields Too Large',
  HPE_CHUNK_EXTENSIONS_OVERFLOW: '413 Payload Too Large',
  ERR_HTTP_REQUEST_TIMEOUT: '408 Request Timeout',
};

/**
 * Answers a connection Node could not read a request from as Node 20 does
 * when nobody listens for `clientError`, then destroys it: 431 for oversized
 * headers, 413 for oversized chunk extensions, 408 for a request that took too
 * long, 400 otherwise; nothing on a connection that is no longer writable, was
 * reset, or carries a response whose head already went out.
 */
function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  // Node's own check, not `bytesWritten === 0`: a keep-alive connection has written earlier responses, and
  // the next bad request on it still deserves an answer; only bytes of a response under way would be corrupted.
  const inResponse = (socket as { _httpMessage?: { _headerSent?: boolean } | null })._httpMessage?._headerSent === true;
  if (socket.writable && !inResponse && error.code !== 'ECONNRESET') {
    const status = CLIENT_ERROR_STATUS[error.code ?? ''] ?? '400 Bad Request';
    socket.write(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  }
  socket.destroy();
}

/**
 * Serves a Fetch API handler with `node:http`, through {@link toNodeHandler}
 * (the one path from Node to a Fetch handler): body buffered, at most
 * `MAX_REQUEST_BODY_BYTES` (else 413), the client address passed as
 * `{ clientAddress }` (from `X-Forwarded-For` only through `trustProxy`), and
 * the `Response` written back whole. A handler that throws yields a bare 500
 * whose body says nothing of the error.
 *
 * Listens on `127.0.0.1` and a random port unless told otherwise. Requests are
 * handled concurrently, one handler call each; the handler must be safe to
 * call concurrently. A server or connection fault after `listen` goes to
 * `onError` and never takes the process down; a fault while listening (a port
 * in use) rejects the returned promise.
 *
 * @example
 * ```ts
 * const server = await serveNode(async (request) => Response.json({ path: new URL(request.url).pathname }));
 * const reply = await fetch(`${server.url}/hello`);
 * await server.close();
 * ```
 */
export async function serveNode(handler: FetchHandler, options: ServeNodeOptions = {}): Promise<NodeServerHandle> {
  if (options.onError !== undefined && typeof options.onError !== 'function') {
    throw new OatError('MISCONFIGURED', 'serveNode: onError must be a function', {
      fields: [{ path: 'onError', message: 'must be a function' }],
      context: { field: 'onError' },
    });
  }
  const onError = options.onError ?? defaultOnError;
  const report = (error: Error, source: 'server' | 'client'): void => {
    // The bytes Node could not parse may carry an Authorization header: they never leave here.
    delete (error as { rawPacket?: unknown }).rawPacket;
    try {
      onError(error, source);
    } catch {
      // The host's logger failing must not take the server down.
    }
  };
  const host = options.host ?? '127.0.0.1';
  const authority = host.includes(':') ? `[${host}]` : host;
  const listener = toNodeHandler(handler, options.trustProxy === undefined ? {} : { trustProxy: options.trustProxy });
  const server = createServer((message, out) => void listener(message, out));
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    answerClientError(error, socket);
    report(error, 'client');
  });
  await listen(server, options.port ?? 0, host);
  // Without a listener, an `error` emitted after listen is thrown, and nothing would catch it.
  server.on('error', (error) => report(error, 'server'));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : (options.port ?? 0);
  let closing: Promise<void> | undefined;
  return Object.freeze({
    url: `http://${authority}:${port}`,
    port,
    close(): Promise<void> {
      closing ??= new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error === undefined ? resolve() : reject(error)));
      });
      return closing;
    },
  });
}
