import { createHash, createPublicKey } from 'node:crypto';

// P-256 (secp256r1) domain parameters, SEC 2.
const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
const B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn;
const G: Point = [
  0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296n,
  0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5n,
];
const SPKI_PREFIX = Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex');

type Point = readonly [bigint, bigint] | null;

const mod = (a: bigint, m: bigint): bigint => ((a % m) + m) % m;
function power(base: bigint, exponent: bigint, m: bigint): bigint {
  let result = 1n;
  let b = mod(base, m);
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % m;
    b = (b * b) % m;
  }
  return result;
}
const inverse = (a: bigint, m: bigint): bigint => power(a, m - 2n, m);

function add(p: Point, q: Point): Point {
  if (p === null) return q;
  if (q === null) return p;
  const [x1, y1] = p;
  const [x2, y2] = q;
  if (x1 === x2 && mod(y1 + y2, P) === 0n) return null;
  const slope = x1 === x2 ? mod((3n * x1 * x1 - 3n) * inverse(2n * y1, P), P) : mod((y2 - y1) * inverse(x2 - x1, P), P);
  const x3 = mod(slope * slope - x1 - x2, P);
  return [x3, mod(slope * (x1 - x3) - y1, P)];
}

function multiply(k: bigint, point: Point): Point {
  let result: Point = null;
  let addend = point;
  for (let e = mod(k, N); e > 0n; e >>= 1n) {
    if (e & 1n) result = add(result, addend);
    addend = add(addend, addend);
  }
  return result;
}

/** r and s of a base64 DER ECDSA signature. */
function scalars(signature: string): readonly [bigint, bigint] {
  const der = Buffer.from(signature, 'base64');
  const rLength = der[3] as number;
  const r = BigInt(`0x${der.subarray(4, 4 + rLength).toString('hex')}`);
  const s = BigInt(`0x${der.subarray(6 + rLength).toString('hex')}`);
  return [r, s];
}

/**
 * A P-256 public key (PEM) under which `signature`, made by some other key
 * over another body, verifies over `body`: ECDSA public key recovery,
 * Q = r⁻¹(sR − eG). Lets a test present one signature under two keys.
 */
export function keyForSignature(signature: string, body: string): string {
  const [r, s] = scalars(signature);
  const y = power(mod(r * r * r - 3n * r + B, P), (P + 1n) / 4n, P);
  const e = BigInt(`0x${createHash('sha256').update(body).digest('hex')}`);
  const q = multiply(inverse(r, N), add(multiply(s, [r, y]), multiply(N - mod(e, N), G)));
  if (q === null) throw new Error('no key recovers this signature');
  const coordinate = (v: bigint) => Buffer.from(v.toString(16).padStart(64, '0'), 'hex');
  const der = Buffer.concat([SPKI_PREFIX, Buffer.from([4]), coordinate(q[0]), coordinate(q[1])]);
  return createPublicKey({ key: der, format: 'der', type: 'spki' }).export({ type: 'spki', format: 'pem' }) as string;
}
