import { createHmac, hash } from 'node:crypto';
import { OatError } from '../errors.js';
import type { SecretHasher } from './ports.js';

/**
 * SHA-256 of the whole token, base64url, with Node's one-shot `crypto.hash`.
 * Right for high-entropy tokens checked on every request; a password hash
 * (bcrypt, scrypt, argon2) would cost milliseconds and protect nothing more.
 *
 * @example
 * ```ts
 * sha256Hasher().hash('oat_...'); // 43 characters of base64url
 * ```
 */
export function sha256Hasher(): SecretHasher {
  return Object.freeze({ algorithm: 'sha256', hash: (secret: string) => hash('sha256', secret, 'base64url') });
}

/**
 * HMAC-SHA-256 of the whole token with a server-side pepper, base64url. A
 * stolen database alone then cannot be used to test guessed tokens. The
 * pepper must be at least 32 bytes; keep it out of the database.
 */
export function hmacSha256Hasher(pepper: string | Uint8Array): SecretHasher {
  const key = typeof pepper === 'string' ? Buffer.from(pepper, 'utf8') : Buffer.from(pepper);
  if (key.length < 32) throw new OatError('MISCONFIGURED', 'The HMAC pepper must be at least 32 bytes', { context: { field: 'pepper' } });
  return Object.freeze({
    algorithm: 'hmac-sha256',
    hash: (secret: string) => createHmac('sha256', key).update(secret).digest('base64url'),
  });
}

/** The first 12 characters of a secret's hash: enough to correlate audit events, useless to an attacker. */
export function fingerprintOf(secretHash: string): string {
  return secretHash.slice(0, 12);
}
