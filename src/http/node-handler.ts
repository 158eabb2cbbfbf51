import type { IncomingMessage, ServerResponse } from 'node:http';
import { readRequestBody } from './body.js';
import { compileTrustedProxies, resolveClientAddress } from './client-address.js';
import type { FetchContext, FetchHandler } from './context.js';

/**
 * Request bodies larger than this are refused with 413 before the handler
 * runs: every body is buffered in memory, so an unbounded one would let any
 * client exhaust it.
 */
export const MAX_REQUEST_BODY_BYTES = 1024 * 1024;

/** Options of {@link toNodeHandler}. */
export interface NodeHandlerOptions {
  /**
   * The proxies in front of this server whose `X-Forwarded-For` is believed:
   * IP addresses and CIDR ranges, IPv4 or IPv6, for example
   * `['10.0.0.0/8', '127.0.0.1']`. Default none: the client address is the
   * socket's, and the header is ignored. An entry that is neither makes
   * {@link toNodeHandler} throw `MISCONFIGURED` naming it (`trustProxy.1`).
   */
  readonly trustProxy?: ReadonlyArray<string>;
}

/**
 * A `(request, response)` listener, as `node:http`'s `createServer`, Express
 * (`app.use`) and Fastify (`request.raw`, `reply.raw`) call it. The promise
 * settles once the response is written; it never rejects.
 */
export type NodeListener = (request: IncomingMessage, response: ServerResponse) => Promise<void>;

const BODYLESS_METHODS = new Set(['GET', 'HEAD']);

class BodyTooLarge extends Error {
  override readonly name = 'BodyTooLarge';
}

/** Reads the whole body, refusing past {@link MAX_REQUEST_BODY_BYTES}. */
async function readBody(message: IncomingMessage): Promise<Uint8Array> {
  const read = await readRequestBody(message, MAX_REQUEST_BODY_BYTES);
  if (!read.ok) throw new BodyTooLarge();
  return read.value;
}

/** The address the connection reached, as an origin: used when `Host` is missing or not a bare host. */
function localOrigin(message: IncomingMessage, scheme: string): string {
  const { localAddress, localPort } = message.socket;
  if (localAddress === undefined) return `${scheme}://localhost`;
  const authority = localAddress.includes(':') ? `[${localAddress}]` : localAddress;
  return `${scheme}://${authority}${localPort === undefined ? '' : `:${localPort}`}`;
}

/**
 * The origin requests are resolved against: the `Host` header when it is a
 * bare host (and port), otherwise the address the connection reached. The
 * scheme is `https` on a TLS socket. Forwarded headers are not trusted for
 * this: a host behind a proxy should have it pass `Host` on.
 */
function originOf(message: IncomingMessage): string {
  const scheme = (message.socket as { encrypted?: unknown }).encrypted === true ? 'https' : 'http';
  const host = message.headers.host;
  if (typeof host !== 'string' || host.length === 0) return localOrigin(message, scheme);
  try {
    const url = new URL(`${scheme}://${host}`);
    const bare =
      url.username === '' && url.password === '' && url.pathname === '/' && url.search === '' && url.hash === '';
    return bare ? url.origin : localOrigin(message, scheme);
  } catch {
    return localOrigin(message, scheme);
  }
}

async function toRequest(message: IncomingMessage): Promise<Request> {
  const origin = originOf(message);
  // Express rewrites `url` for a handler mounted under a path (`app.use('/v2', handler)`);
  // `originalUrl` keeps it whole.
  const original = (message as { originalUrl?: unknown }).originalUrl;
  const target = typeof original === 'string' ? original : (message.url ?? '/');
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

/**
 * Turns a Fetch API handler into a Node `(request, response)` listener, for
 * `node:http`, Express and Fastify. Each `IncomingMessage` becomes a `Request`
 * (body buffered, at most {@link MAX_REQUEST_BODY_BYTES}, counted as it
 * arrives, else 413 and the connection closed), the handler gets
 * `{ clientAddress }` as its second argument, and its `Response` is written
 * back whole (no streaming). A handler that throws yields a bare 500 whose body
 * says nothing of the error.
 *
 * The client address is the socket's; when the socket is one of `trustProxy`,
 * the right-most address of `X-Forwarded-For` that is not (as Express's
 * `trust proxy` takes it), its port dropped; none when a hop reached names no
 * IP address (`unknown`, a host name), so an allow-list fails closed. The
 * request URL keeps Express's `originalUrl` when mounted under a path.
 * Nothing may read the body before it (Express body parsers, Fastify's
 * content-type parsers): docs/node-adapters.md shows how.
 *
 * Options are checked at once (`MISCONFIGURED` naming each bad `trustProxy`
 * entry). The listener holds no state between requests: any number may run
 * concurrently, so the handler must be safe to call concurrently.
 *
 * @example
 * ```ts
 * const listener = toNodeHandler(hubApi, { trustProxy: ['10.0.0.0/8'] });
 * createServer(listener).listen(8080); // or app.use(listener) in Express
 * ```
 */
export function toNodeHandler(handler: FetchHandler, options: NodeHandlerOptions = {}): NodeListener {
  const trusted = compileTrustedProxies(options.trustProxy);
  return async function nodeListener(message: IncomingMessage, out: ServerResponse): Promise<void> {
    let request: Request;
    try {
      request = await toRequest(message);
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
    const clientAddress = resolveClientAddress(
      message.socket.remoteAddress,
      message.headers['x-forwarded-for'],
      trusted,
    );
    const context: FetchContext = clientAddress === undefined ? {} : { clientAddress };
    try {
      await writeResponse(await handler(request, context), out, request.method);
    } catch {
      plain(out, 500, 'Internal Server Error');
    }
  };
}
