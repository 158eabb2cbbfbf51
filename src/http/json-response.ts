/**
 * The one JSON response of the library's HTTP surfaces (the Hub API, the
 * registry token endpoint). Internal: not exported from any entry point.
 */

/**
 * A JSON response: `content-type: application/json` and `cache-control:
 * no-store` (every answer here is about credentials or tokens, which no cache
 * may keep), then `headers`, which may add to or override them. Pure.
 */
export function json(status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
  });
}
