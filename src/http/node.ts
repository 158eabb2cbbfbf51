import { createServer, type Server } from 'node:http';
import type { FetchHandler } from './context.js';
import { toNodeHandler, type NodeHandlerOptions } from './node-handler.js';

/** Where {@link serveNode} listens, and whose `X-Forwarded-For` it believes. */
export interface ServeNodeOptions extends NodeHandlerOptions {
  /** Port to listen on. Default 0: a free port the system picks. */
  readonly port?: number;
  /** Address to listen on. Default `127.0.0.1`. */
  readonly host?: string;
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
 * call concurrently.
 *
 * @example
 * ```ts
 * const server = await serveNode(async (request) => Response.json({ path: new URL(request.url).pathname }));
 * const reply = await fetch(`${server.url}/hello`);
 * await server.close();
 * ```
 */
export async function serveNode(handler: FetchHandler, options: ServeNodeOptions = {}): Promise<NodeServerHandle> {
  const host = options.host ?? '127.0.0.1';
  const authority = host.includes(':') ? `[${host}]` : host;
  const listener = toNodeHandler(handler, options.trustProxy === undefined ? {} : { trustProxy: options.trustProxy });
  const server = createServer((message, out) => void listener(message, out));
  await listen(server, options.port ?? 0, host);
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
