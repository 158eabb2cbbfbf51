/**
 * The one reader of request bodies for every HTTP surface of the library
 * (`serveNode`, the Hub API, the registry token endpoint). Internal: not
 * exported from any entry point.
 *
 * Runtimes other than Node (Bun, Deno, Workers, Hono) hand handlers a
 * `Request` whose body is still on the wire, so `arrayBuffer()` followed by a
 * size check would let any client make the process buffer as much as it sends.
 * Here the limit is applied while the bytes arrive.
 */

/** Every reason a body is refused; today only its size. */
export const BODY_READ_CODES = Object.freeze(['BODY_TOO_LARGE'] as const);

/** Why a body was refused. */
type BodyReadCode = (typeof BODY_READ_CODES)[number];

/** The body, whole; or the refusal because it passed the limit. */
export type BodyReadResult =
  | { readonly ok: true; readonly value: Uint8Array }
  | { readonly ok: false; readonly code: BodyReadCode; readonly message: string };

const TOO_LARGE: BodyReadResult = Object.freeze({
  ok: false,
  code: 'BODY_TOO_LARGE',
  message: 'the request body is over its size limit',
});
const EMPTY = new Uint8Array(0);

/**
 * True when a `Content-Length` value declares more than `limit` bytes. A
 * value that is not a number declares nothing: the count while reading still
 * applies, so a missing, garbled or lying header never lifts the limit.
 */
export function declaresMoreThan(contentLength: string | null | undefined, limit: number): boolean {
  if (contentLength === null || contentLength === undefined) return false;
  const declared = Number(contentLength);
  return Number.isFinite(declared) && declared > limit;
}

/**
 * Yields the chunks of a web stream and cancels it if the consumer stops
 * early, so the producer (a socket, a runtime's body) stops sending too.
 */
async function* chunksOf(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const reader = stream.getReader();
  let finished = false;
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) {
        finished = true;
        return;
      }
      yield next.value;
    }
  } finally {
    if (!finished) {
      // Not awaited: a source slow to acknowledge the cancel must not hold up the 413.
      reader.cancel('request body over its limit').catch(() => undefined);
    }
    reader.releaseLock();
  }
}

/**
 * Reads chunks into one buffer, stopping at the first chunk that takes the
 * total past `limit`: at most `limit` plus one chunk is ever pulled. Leaving
 * the loop early returns the iterator, which cancels a web stream
 * ({@link chunksOf}) or destroys a Node stream.
 *
 * A chunk that is not bytes, or a source that fails, rejects: that is a fault
 * of the host or the connection, not a client's oversized body.
 */
async function readChunksWithin(chunks: AsyncIterable<Uint8Array>, limit: number): Promise<BodyReadResult> {
  const parts: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of chunks) {
    if (!(chunk instanceof Uint8Array))
      throw new TypeError('A request body stream yielded a chunk that is not a Uint8Array');
    size += chunk.byteLength;
    if (size > limit) return TOO_LARGE;
    parts.push(chunk);
  }
  if (parts.length === 0) return { ok: true, value: EMPTY };
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const part of parts) {
    bytes.set(part, offset);
    offset += part.byteLength;
  }
  return { ok: true, value: bytes };
}

/** A Node `IncomingMessage`, as far as reading its body goes: its headers and its chunks. */
export interface NodeBodySource extends AsyncIterable<Uint8Array> {
  readonly headers: { readonly 'content-length'?: string | undefined };
}

const isFetchRequest = (source: Request | NodeBodySource): source is Request =>
  typeof (source.headers as Partial<Headers>).get === 'function';

/**
 * The one body reader: reads a Fetch `Request`'s body or a Node
 * `IncomingMessage`'s, at most `limit` bytes. A declared `Content-Length`
 * over the limit is refused before a byte is read (a web stream is
 * cancelled; a Node message is left to the caller, which closes the
 * connection); otherwise bytes are counted as they arrive and the source is
 * cancelled or destroyed as soon as the count passes the limit.
 *
 * Consumes the body: call it once per request. A body already read rejects
 * with the runtime's `TypeError`.
 */
export async function readRequestBody(source: Request | NodeBodySource, limit: number): Promise<BodyReadResult> {
  if (!isFetchRequest(source)) {
    if (declaresMoreThan(source.headers['content-length'], limit)) return TOO_LARGE;
    return readChunksWithin(source, limit);
  }
  const body = source.body;
  if (declaresMoreThan(source.headers.get('content-length'), limit)) {
    if (body !== null && !body.locked) body.cancel('request body over its limit').catch(() => undefined);
    return TOO_LARGE;
  }
  if (body === null) return { ok: true, value: EMPTY };
  return readChunksWithin(chunksOf(body), limit);
}
