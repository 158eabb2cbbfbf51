import type { FetchContext } from './context.js';

/**
 * What a fault report says about a request: its method, URL and client
 * address, never its headers (they carry credentials) or body.
 */
export interface RequestSummary {
  readonly method: string;
  readonly url: string;
  /** The client's address when the server passed one ({@link FetchContext.clientAddress}); absent otherwise. */
  readonly clientAddress?: string;
}

/** The parts of a request that are safe to hand to a logging hook. */
export function summarize(request: Request, context?: FetchContext): RequestSummary {
  const clientAddress = context?.clientAddress;
  return Object.freeze({
    method: request.method,
    url: request.url,
    ...(clientAddress === undefined ? {} : { clientAddress }),
  });
}
