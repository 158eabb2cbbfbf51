import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readRequestBody } from '../../src/http/body.js';
import { countingStream, countingStreamOf, streamingRequest } from '../support/counting-stream.js';

const URL_ = 'http://body.test/';
const KiB = 1024;

describe('readRequestBody', () => {
  it('refuses a declared Content-Length over the limit without pulling a byte, and cancels the body', async () => {
    const body = countingStream(KiB, 64);
    const read = await readRequestBody(
      streamingRequest(URL_, body.stream, { 'content-length': String(64 * KiB) }),
      16 * KiB,
    );
    expect(read).toMatchObject({ ok: false, code: 'BODY_TOO_LARGE' });
    expect(body.pulled()).toBe(0);
    expect(body.cancelled()).toBe(true);
  });

  it('stops a chunked body at the limit: pulls at most one chunk past it, then cancels the stream', async () => {
    const body = countingStream(64 * KiB, 512); // 32 MiB if read whole
    const read = await readRequestBody(streamingRequest(URL_, body.stream, {}), 1024 * KiB);
    expect(read.ok).toBe(false);
    expect(body.pulled()).toBeLessThanOrEqual(1024 * KiB + 64 * KiB);
    expect(body.cancelled()).toBe(true);
  });

  it('caps a body whose Content-Length lies (declares less than it sends)', async () => {
    const body = countingStream(KiB, 1024);
    const read = await readRequestBody(streamingRequest(URL_, body.stream, { 'content-length': '10' }), 16 * KiB);
    expect(read.ok).toBe(false);
    expect(body.pulled()).toBeLessThanOrEqual(17 * KiB);
    expect(body.cancelled()).toBe(true);
  });

  it('reads a body of exactly the limit whole, without cancelling it', async () => {
    const body = countingStream(KiB, 16, 0x61);
    const read = await readRequestBody(streamingRequest(URL_, body.stream, {}), 16 * KiB);
    expect(read.ok && new TextDecoder().decode(read.value)).toBe('a'.repeat(16 * KiB));
    expect(body.cancelled()).toBe(false);
  });

  it('reads no body as empty bytes', async () => {
    const read = await readRequestBody(new Request(URL_), 16);
    expect(read.ok && read.value.byteLength).toBe(0);
  });

  it('rejects, as a fault and not as a 413, a stream that yields something other than bytes', async () => {
    const stream = new ReadableStream({ start: (c) => c.enqueue('text' as unknown as Uint8Array) });
    await expect(readRequestBody(streamingRequest(URL_, stream, {}), 16)).rejects.toThrow(TypeError);
  });

  it('property: read whole exactly when it fits, at most one chunk past the limit, cancelled if refused', async () => {
    const chunk = fc.uint8Array({ maxLength: 64 });
    const declared = fc.constantFrom('none', 'truthful', 'smaller', 'garbage');
    await fc.assert(
      fc.asyncProperty(
        fc.array(chunk, { maxLength: 24 }),
        fc.nat({ max: 600 }),
        declared,
        async (chunks, limit, how) => {
          const total = chunks.reduce((sum, c) => sum + c.byteLength, 0);
          const header: Record<string, string> =
            how === 'truthful'
              ? { 'content-length': String(total) }
              : how === 'smaller'
                ? { 'content-length': String(Math.floor(total / 2)) }
                : how === 'garbage'
                  ? { 'content-length': '12, 12' }
                  : {};
          const body = countingStreamOf(chunks);
          const read = await readRequestBody(streamingRequest(URL_, body.stream, header), limit);
          const largest = Math.max(0, ...chunks.map((c) => c.byteLength));
          expect(read.ok).toBe(total <= limit);
          expect(body.pulled()).toBeLessThanOrEqual(limit + largest);
          if (how === 'truthful' && total > limit) expect(body.pulled()).toBe(0);
          if (read.ok) {
            expect(Buffer.from(read.value).equals(Buffer.concat(chunks))).toBe(true);
            expect(body.cancelled()).toBe(false);
          } else {
            expect(body.cancelled()).toBe(true);
          }
        },
      ),
    );
  });
});
