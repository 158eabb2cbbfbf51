import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readRequestBody, type NodeBodySource } from '../../src/http/body.js';

/** A Node message over `chunks`, counting what was read from it, as `serveNode` hands an `IncomingMessage` over. */
function nodeMessage(chunks: ReadonlyArray<Uint8Array>, headers: Record<string, string>) {
  let pulled = 0;
  let index = 0;
  const stream = new Readable({
    highWaterMark: 0,
    read() {
      const next = chunks[index++];
      if (next === undefined) this.push(null);
      else {
        pulled += next.byteLength;
        this.push(next);
      }
    },
  });
  const message = Object.assign(stream, { headers }) as Readable & NodeBodySource;
  return { message, pulled: () => pulled, destroyed: () => stream.destroyed };
}

describe('readRequestBody, the one body reader, on a Node message', () => {
  it('refuses a declared Content-Length over the limit without reading a byte', async () => {
    const node = nodeMessage([new Uint8Array(64)], { 'content-length': '64' });
    expect(await readRequestBody(node.message, 16)).toMatchObject({ ok: false, code: 'BODY_TOO_LARGE' });
    expect(node.pulled()).toBe(0);
  });

  it('property: reads a body whole exactly when it fits, else stops a chunk past and destroys it', async () => {
    const declared = fc.constantFrom('none', 'truthful', 'smaller', 'garbage');
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 64 }), { maxLength: 24 }),
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
                  ? { 'content-length': 'x' }
                  : {};
          const declaredOver = header['content-length'] !== undefined && Number(header['content-length']) > limit;
          const node = nodeMessage(chunks, header);
          const read = await readRequestBody(node.message, limit);
          expect(read.ok).toBe(total <= limit);
          if (read.ok) expect(Buffer.from(read.value).equals(Buffer.concat(chunks))).toBe(true);
          else if (declaredOver) expect(node.pulled()).toBe(0);
          else expect(node.destroyed()).toBe(true);
          expect(node.pulled()).toBeLessThanOrEqual(limit + Math.max(0, ...chunks.map((c) => c.byteLength)));
        },
      ),
    );
  });
});
