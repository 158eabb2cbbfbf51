/** A request body that records how much of it was pulled and whether it was cancelled. */
export interface CountingStream {
  readonly stream: ReadableStream<Uint8Array>;
  /** Bytes handed to the stream so far. */
  pulled(): number;
  /** Chunks handed to the stream so far. */
  chunksPulled(): number;
  cancelled(): boolean;
}

/**
 * A body produced chunk by chunk, only when pulled. `highWaterMark: 0` keeps
 * the stream from reading ahead, so `pulled()` counts exactly what the reader
 * asked for.
 */
export function countingStreamOf(chunks: Iterable<Uint8Array>): CountingStream {
  const source = chunks[Symbol.iterator]();
  let pulled = 0;
  let count = 0;
  let cancelled = false;
  const stream = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        const next = source.next();
        if (next.done === true) {
          controller.close();
          return;
        }
        count++;
        pulled += next.value.byteLength;
        controller.enqueue(next.value);
      },
      cancel() {
        cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, pulled: () => pulled, chunksPulled: () => count, cancelled: () => cancelled };
}

/** `chunks` chunks of `chunkSize` bytes of `fill`, made lazily (32 MiB costs nothing until pulled). */
export function countingStream(chunkSize: number, chunks: number, fill = 0x20): CountingStream {
  function* produce(): Generator<Uint8Array> {
    for (let i = 0; i < chunks; i++) yield new Uint8Array(chunkSize).fill(fill);
  }
  return countingStreamOf(produce());
}

/** A streaming request (`duplex: 'half'`, as Node's fetch requires for a stream body). */
export function streamingRequest(
  url: string,
  body: ReadableStream<Uint8Array>,
  headers: Record<string, string>,
  method = 'POST',
): Request {
  return new Request(url, { method, body, headers, duplex: 'half' } as RequestInit);
}
