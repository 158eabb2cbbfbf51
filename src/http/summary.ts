/** What a fault report says about a request: its method and URL, never its headers (they carry credentials) or body. */
export interface RequestSummary {
  readonly method: string;
  readonly url: string;
}

/** The parts of a request that are safe to hand to a logging hook. */
export function summarize(request: Request): RequestSummary {
  return Object.freeze({ method: request.method, url: request.url });
}
