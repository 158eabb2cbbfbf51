import { generateKeyPairSync, sign, verify } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  importPublicKey,
  parseDerSignature,
  parseSignatureHeader,
  sha256Hex,
  verifySignature,
} from '../../src/secret-scanning/signature.js';

const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const scalar = fc.bigInt({ min: 1n, max: N - 1n });

/** Minimal big-endian bytes of a positive integer. */
function bytesOf(n: bigint): number[] {
  const out: number[] = [];
  for (let v = n; v > 0n; v >>= 8n) out.unshift(Number(v & 0xffn));
  return out;
}
/** A reference DER encoder, written from X.690 independently of the parser. */
function derInteger(n: bigint): number[] {
  const body = bytesOf(n);
  if ((body[0] as number) & 0x80) body.unshift(0);
  return [0x02, body.length, ...body];
}
const der = (r: bigint, s: bigint): Uint8Array => {
  const content = [...derInteger(r), ...derInteger(s)];
  return Uint8Array.from([0x30, content.length, ...content]);
};
const raw32 = (n: bigint): number[] => {
  const b = bytesOf(n);
  return [...new Array<number>(32 - b.length).fill(0), ...b];
};

describe('parseDerSignature', () => {
  it('turns every DER signature into raw r || s, and gives (r, s) and (r, n - s) one replay key', () => {
    fc.assert(
      fc.property(scalar, scalar, (r, s) => {
        const parsed = parseDerSignature(der(r, s));
        expect(parsed && [...parsed.raw]).toEqual([...raw32(r), ...raw32(s)]);
        expect(parseDerSignature(der(r, N - s))?.replayKey).toBe(parsed?.replayKey);
        if (s !== N - s) expect(parseDerSignature(der(r, N - s))?.raw).not.toEqual(parsed?.raw);
      }),
    );
  });

  it('refuses other encodings of the same numbers and numbers out of range', () => {
    const good = [...der(1234n, 5678n)];
    expect(parseDerSignature(Uint8Array.from(good))).not.toBeNull();
    const nonMinimal = [0x30, 9, 0x02, 3, 0x00, 0x04, 0xd2, 0x02, 2, 0x16, 0x2e];
    const negative = [0x30, 7, 0x02, 1, 0x80, 0x02, 2, 0x16, 0x2e];
    const cases = [
      nonMinimal,
      negative,
      [...good, 0], // trailing byte
      [0x30, 0x81, good.length - 2, ...good.slice(2)], // long-form length
      [0x31, ...good.slice(1)], // not a SEQUENCE
      [...good.slice(0, 2), 0x03, ...good.slice(3)], // not an INTEGER
      [...der(0n + 1n, 5n)].map((b, i) => (i === 4 ? 0 : b)), // r = 0
      [...der(N, 5n)],
      [...der(5n, N)],
      [...der(5n, N + 1n)],
      [],
      good.slice(0, -1),
    ];
    for (const bytes of cases) expect(parseDerSignature(Uint8Array.from(bytes)), JSON.stringify(bytes)).toBeNull();
  });
});

describe('signatures made by another implementation', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }) as string;

  it('verify with WebCrypto over the raw body, and the raw form is what node:crypto calls IEEE P1363', async () => {
    const key = await importPublicKey(pem, 'k1');
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 512 }), async (body) => {
        const signature = parseSignatureHeader(
          sign('sha256', body, { key: privateKey, dsaEncoding: 'der' }).toString('base64'),
        );
        expect(signature).not.toBeNull();
        if (signature === null) return;
        expect(verify('sha256', body, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature.raw)).toBe(true);
        expect(await verifySignature(key, signature, new Uint8Array(body))).toBe(true);
        const other = Uint8Array.from([...body, 0]);
        expect(await verifySignature(key, signature, other)).toBe(false);
      }),
      { numRuns: 50 },
    );
  });

  it('refuses a header that is not base64 or too long to be one signature', () => {
    const valid = sign('sha256', Buffer.from('x'), { key: privateKey, dsaEncoding: 'der' }).toString('base64');
    for (const header of ['', 'not base64!', `${valid}AAAA`, 'A'.repeat(97), valid.slice(0, -4)])
      expect(parseSignatureHeader(header), header).toBeNull();
    expect(parseSignatureHeader(valid)).not.toBeNull();
  });

  it('imports a PEM P-256 key and refuses anything else with MISCONFIGURED naming publicKey', async () => {
    await expect(importPublicKey(`\n${pem}\n`, 'k1')).resolves.toBeDefined();
    const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey.export({
      type: 'spki',
      format: 'pem',
    }) as string;
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({
      type: 'spki',
      format: 'pem',
    }) as string;
    for (const bad of [p384, rsa, 'garbage', pem.replace('PUBLIC KEY', 'PRIVATE KEY'), 42 as unknown as string]) {
      await expect(importPublicKey(bad, 'k1')).rejects.toMatchObject({
        name: 'OatError',
        code: 'MISCONFIGURED',
        context: { field: 'publicKey', keyId: 'k1' },
      });
    }
  });
});

describe('sha256Hex', () => {
  it('matches the FIPS 180-2 vectors, lower-case hex', async () => {
    expect(await sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(await sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});
