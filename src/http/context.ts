/**
 * What a server knows about a request that the `Request` itself does not
 * carry, handed to a Fetch handler as its optional second argument (as Deno's
 * `ServeHandlerInfo.remoteAddr` is). Every field is optional: a handler
 * called without a context, or by a runtime that knows nothing more, still
 * works, and only features that need a field go without it.
 */
export interface FetchContext {
  /**
   * The client's IP address (`203.0.113.7`, `2001:db8::1`, or as the socket
   * reports it, for example `::ffff:127.0.0.1` on a dual-stack listener).
   * `toNodeHandler` takes it from the socket, and from `X-Forwarded-For` only
   * through proxies its `trustProxy` lists. Never a secret; never trusted
   * blindly from a header by this library.
   */
  readonly clientAddress?: string | undefined;
}

/**
 * A handler in the shape of the Fetch API: one `Request` (and what the server
 * knows about it) in, one `Response` out. The Hub API and the registry token
 * endpoint are such handlers; `toNodeHandler` and `serveNode` run any of them
 * on Node.
 */
export type FetchHandler = (request: Request, context?: FetchContext) => Promise<Response>;
