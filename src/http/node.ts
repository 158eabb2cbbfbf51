import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readRequestBody } from './body.js';

/** A handler in the shape of the Fetch API: one `Request` in, one `Response` out. */
export type FetchHandler = (request: Request) => Promise<Response>;

/** Where {@link serveNode} listens. */
export interface ServeNodeOptions {
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

/**
 * Request bodies larger than this are refused with 413 before the handler
 * runs: every body is buffered in memory, so an unbounded one would let any
 * client exhaust it.
 */
export const MAX_REQUEST_BODY_BYTES = 1024 * 1024;

const BODYLESS_METHODS = new Set(['GET', 'HEAD']);

class BodyTooLarge extends Error {
  override readonly name = 'BodyTooLarge';
}

/** Reads the whole body, refusing past {@link MAX_REQUEST_BODY_BYTES}. */
async function readBody(message: IncomingMessage): Promise<Uint8Array> {
  const read = await readRequestBody(message, MAX_REQUEST_BODY_BYTES);
  if (!read.ok) throw new BodyTooLarge();
  return read.bytes;
}

/**
 * The origin requests are resolved against: the `Host` header when it is a
 * bare host (and port), otherwise the address the server is bound to. Forwarded
 * headers are not trusted: a host behind a proxy should rewrite `Host`.
 */
function originOf(message: IncomingMessage, fallback: string): string {
  const host = message.headers.host;
  if (typeof host !== 'string' || host.length === 0) return fallback;
  try {
    const url = new URL(`http://${host}`);
    const bare = url.username === '' && url.password === '' && url.pathname === '/' && url.search === '' && url.hash === '';
    return bare ? url.origin : fallback;
  } catch {
    return fallback;
  }
}

async function toRequest(message: IncomingMessage, fallbackOrigin: string): Promise<Request> {
  const origin = originOf(message, fallbackOrigin);
  const target = message.url ?? '/';
  // An absolute-form target (proxy style) keeps only its path and query: the origin is ours.
  const parsed = new URL(target, origin);
  const url = target.startsWith('/') ? parsed.href : new URL(`${parsed.pathname}${parsed.search}`, origin).href;
  const headers = new Headers();
  for (let i = 0; i + 1 < message.rawHeaders.length; i += 2) {
    const name = message.rawHeaders[i] as string;
    if (name.startsWith(':')) continue;
    headers.append(name, message.rawHeaders[i + 1] as string);
  }
  const method = (message.method ?? 'GET').toUpperCase();
  if (BODYLESS_METHODS.has(method)) return new Request(url, { method, headers });
  const body = await readBody(message);
  return new Request(url, { method, headers, body: body.length === 0 ? null : body });
}

async function writeResponse(response: Response, out: ServerResponse, method: string | undefined): Promise<void> {
  out.statusCode = response.status;
  if (response.statusText !== '') out.statusMessage = response.statusText;
  const cookies = response.headers.getSetCookie();
  for (const [name, value] of response.headers) {
    if (name === 'set-cookie') continue;
    out.setHeader(name, value);
  }
  if (cookies.length > 0) out.setHeader('set-cookie', cookies);
  const noBody = method === 'HEAD' || response.status === 204 || response.status === 304 || response.body === null;
  if (noBody) {
    await response.body?.cancel();
    out.end();
    return;
  }
  out.end(Buffer.from(await response.arrayBuffer()));
}

function plain(out: ServerResponse, status: number, text: string): void {
  if (out.headersSent) {
    out.destroy();
    return;
  }
  out.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  out.end(text);
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
 * Serves a Fetch API handler with `node:http`: each `IncomingMessage` becomes a
 * `Request` (body buffered, at most {@link MAX_REQUEST_BODY_BYTES}, else 413),
 * and the `Response` is written back whole (no streaming). A handler that
 * throws yields a bare 500 whose body says nothing of the error.
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
  let fallbackOrigin = `http://${authority}`;
  const server = createServer((message, out) => {
    void (async () => {
      let request: Request;
      try {
        request = await toRequest(message, fallbackOrigin);
      } catch (error) {
        if (error instanceof BodyTooLarge) {
          // Close the connection: the unread rest of the body would otherwise be parsed as the next request.
          out.setHeader('connection', 'close');
          plain(out, 413, 'Payload Too Large');
        } else {
          plain(out, 400, 'Bad Request');
        }
        return;
      }
      try {
        await writeResponse(await handler(request), out, request.method);
      } catch {
        plain(out, 500, 'Internal Server Error');
      }
    })();
  });
  await listen(server, options.port ?? 0, host);
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : (options.port ?? 0);
  fallbackOrigin = `http://${authority}:${port}`;
  let closing: Promise<void> | undefined;
  return Object.freeze({
    url: fallbackOrigin,
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
