/** One request to the token endpoint, as the e2e's token server saw it. */
export interface TokenRequest {
  readonly method: string;
  /** `grant_type` of a POST form; `null` for a GET. */
  readonly grantType: string | null;
  readonly status: number;
}

/** Records what reached `/token`, so a check can say which flow a client used. */
export interface TokenLog {
  /** Wraps the endpoint: answers as it does, and records each request. */
  wrap(endpoint: (request: Request) => Promise<Response>): (request: Request) => Promise<Response>;
  /** A mark to pass to {@link TokenLog.since}. */
  mark(): number;
  /** The requests recorded after `mark`. */
  since(mark: number): ReadonlyArray<TokenRequest>;
}

/** A {@link TokenLog} holding every request in memory. */
export function createTokenLog(): TokenLog {
  const requests: TokenRequest[] = [];
  return {
    wrap: (endpoint) => async (request) => {
      // A clone, so that the endpoint still reads the form itself, with its own limits.
      const grantType =
        request.method === 'POST' ? new URLSearchParams(await request.clone().text()).get('grant_type') : null;
      const response = await endpoint(request);
      requests.push({ method: request.method, grantType, status: response.status });
      return response;
    },
    mark: () => requests.length,
    since: (mark) => requests.slice(mark),
  };
}

/** `POST(password)=200, GET=401`: a request list as one line for a failure message. */
export function describeTokenRequests(requests: ReadonlyArray<TokenRequest>): string {
  if (requests.length === 0) return 'no token request';
  return requests.map((r) => `${r.method}${r.grantType === null ? '' : `(${r.grantType})`}=${r.status}`).join(', ');
}
