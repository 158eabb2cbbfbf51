/**
 * ECDSA P-256 / SHA-256 signatures as GitHub's secret scanning sends them
 * (DER, base64), checked with WebCrypto so the entry runs wherever a Fetch
 * API does. Internal to the secret-scanning entry.
 */
import type { webcrypto } from 'node:crypto';
import { OatError } from '../errors.js';

// A type only (erased from the build): the entry itself uses the global WebCrypto, not node:crypto.
type CryptoKey = webcrypto.CryptoKey;

/** The order n of the P-256 group: a valid r or s lies in [1, n - 1]. */
const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const SCALAR_BYTES = 32;
// A DER signature of two 32-byte scalars is at most 72 bytes: 96 base64 characters.
const MAX_SIGNATURE_BASE64 = 96;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * A parsed signature: the raw `r || s` WebCrypto verifies, and a key equal
 * for every encoding of the same signature.
 */
export interface ParsedSignature {
  readonly raw: Uint8Array<ArrayBuffer>;
  /**
   * `r` and the low one of `s` and `n - s`, in hex: `(r, n - s)` verifies
   * wherever `(r, s)` does, so a replay memory keyed by the bytes received
   * would let a captured request through again with its `s` negated.
   */
  readonly replayKey: string;
}

/** Bytes of a base64 string, or `null` when it is not base64. */
function decodeBase64(text: string): Uint8Array<ArrayBuffer> | null {
  if (!BASE64.test(text)) return null;
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    return null;
  }
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const toBigInt = (bytes: Uint8Array): bigint => bytes.reduce((n, b) => (n << 8n) | BigInt(b), 0n);
const toHex = (n: bigint): string => n.toString(16).padStart(SCALAR_BYTES * 2, '0');

/**
 * Reads one DER INTEGER at `offset`: strict (minimal length, non-negative, at
 * most 32 bytes of value), so each scalar has one encoding. Returns its value
 * bytes without the sign byte and the offset after it, or `null`.
 */
function readInteger(der: Uint8Array, offset: number): { readonly bytes: Uint8Array; readonly next: number } | null {
  if (der[offset] !== 0x02) return null;
  const length = der[offset + 1];
  if (length === undefined || length < 1 || length > SCALAR_BYTES + 1) return null;
  const start = offset + 2;
  const end = start + length;
  if (end > der.length) return null;
  const first = der[start] as number;
  if (first & 0x80) return null;
  // A leading zero is there only to keep a high bit from reading as a sign.
  if (length > 1 && first === 0 && !((der[start + 1] as number) & 0x80)) return null;
  if (length === SCALAR_BYTES + 1 && first !== 0) return null;
  return { bytes: der.subarray(length > 1 && first === 0 ? start + 1 : start, end), next: end };
}

/**
 * Parses a DER `SEQUENCE { INTEGER r, INTEGER s }` with `r` and `s` in
 * [1, n - 1] into WebCrypto's raw form. `null` for anything else: another
 * encoding, trailing bytes, a scalar out of range.
 */
export function parseDerSignature(der: Uint8Array): ParsedSignature | null {
  // Short-form length only: the whole signature is under 128 bytes.
  if (der.length < 8 || der[0] !== 0x30 || der[1] !== der.length - 2) return null;
  const r = readInteger(der, 2);
  if (r === null) return null;
  const s = readInteger(der, r.next);
  if (s === null || s.next !== der.length) return null;
  const rValue = toBigInt(r.bytes);
  const sValue = toBigInt(s.bytes);
  if (rValue < 1n || rValue >= P256_ORDER || sValue < 1n || sValue >= P256_ORDER) return null;
  const raw = new Uint8Array(SCALAR_BYTES * 2);
  raw.set(r.bytes, SCALAR_BYTES - r.bytes.length);
  raw.set(s.bytes, 2 * SCALAR_BYTES - s.bytes.length);
  const low = sValue <= P256_ORDER - sValue ? sValue : P256_ORDER - sValue;
  return { raw, replayKey: `${toHex(rValue)}:${toHex(low)}` };
}

/** A `GITHUB-PUBLIC-KEY-SIGNATURE` header value, parsed; `null` when it is not one. */
export function parseSignatureHeader(value: string): ParsedSignature | null {
  if (value.length > MAX_SIGNATURE_BASE64) return null;
  const der = decodeBase64(value);
  return der === null ? null : parseDerSignature(der);
}

const PEM = /^-----BEGIN PUBLIC KEY-----([A-Za-z0-9+/=\s]+)-----END PUBLIC KEY-----$/;

/** The DER bytes of a PEM `PUBLIC KEY`, or `null` when it is not one. */
function pemToDer(pem: unknown): Uint8Array<ArrayBuffer> | null {
  const match = PEM.exec(typeof pem === 'string' ? pem.trim() : '');
  return match === null ? null : decodeBase64((match[1] as string).replace(/\s+/g, ''));
}

/**
 * SHA-256 of a PEM public key's DER bytes, lower-case hex: the same for every
 * wrapping of one key, different for different keys whatever their
 * identifiers. Call it only on a PEM {@link importPublicKey} accepted.
 */
export async function publicKeyFingerprint(pem: string): Promise<string> {
  const der = pemToDer(pem);
  if (der === null)
    throw new OatError('MISCONFIGURED', 'The publicKey lookup returned something that is not a PEM key');
  return hexOf(new Uint8Array(await crypto.subtle.digest('SHA-256', der)));
}

const hexOf = (bytes: Uint8Array): string => {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
};

/**
 * Imports a PEM `PUBLIC KEY` (SPKI) as an ECDSA P-256 verification key.
 * Throws `MISCONFIGURED` naming `publicKey` (and the key id) when it is not
 * one: the host's key lookup handed over something unusable.
 */
export async function importPublicKey(pem: string, keyId: string): Promise<CryptoKey> {
  const misconfigured = (cause?: unknown) =>
    new OatError('MISCONFIGURED', 'The publicKey lookup returned something that is not a PEM ECDSA P-256 public key', {
      ...(cause === undefined ? {} : { cause }),
      context: { field: 'publicKey', keyId },
    });
  const der = pemToDer(pem);
  if (der === null) throw misconfigured();
  try {
    return await crypto.subtle.importKey('spki', der, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
  } catch (error) {
    throw misconfigured(error);
  }
}

/** True when `signature` is a valid ECDSA P-256 / SHA-256 signature of `body` under `key`. */
export async function verifySignature(
  key: CryptoKey,
  signature: ParsedSignature,
  body: Uint8Array<ArrayBuffer>,
): Promise<boolean> {
  return crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, signature.raw, body);
}

/** SHA-256 of a string's UTF-8 bytes, lower-case hex: GitHub's `token_hash`. */
export async function sha256Hex(text: string): Promise<string> {
  return hexOf(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text))));
}
