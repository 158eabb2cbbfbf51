import type * as NodeCrypto from 'node:crypto';
import { OatError } from '../errors.js';
import type { SecretHasher } from './ports.js';

/**
 * Node's crypto module, fetched when a hasher is built rather than imported, so the main entry carries no
 * `node:` import and loads on any runtime; `process.getBuiltinModule` is Node 20.16+ (Deno and Bun have it too).
 */
function nodeCrypto(algorithm: string): typeof NodeCrypto {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const crypto =
    typeof proc?.getBuiltinModule === 'function'
      ? (proc.getBuiltinModule('node:crypto') as typeof NodeCrypto | undefined)
      : undefined;
  if (crypto === undefined) {
    throw new OatError(
      'MISCONFIGURED',
      `The ${algorithm} hasher needs node:crypto (process.getBuiltinModule); on this platform pass the hasher ` +
        `option, a synchronous SecretHasher`,
      {
        context: { field: 'hasher' },
      },
    );
  }
  return crypto;
}

/**
 * SHA-256 of the whole token, base64url, with Node's one-shot `crypto.hash`.
 * Right for high-entropy tokens checked on every request; a password hash
 * (bcrypt, scrypt, argon2) would cost milliseconds and protect nothing more.
 * Synchronous, as the login hot path wants it, so not WebCrypto's
 * `crypto.subtle`: it takes `node:crypto` from `process.getBuiltinModule`
 * when it is built, and throws `MISCONFIGURED` naming `hasher` on a runtime
 * without it (pass your own `SecretHasher` there).
 *
 * @example
 * ```ts
 * sha256Hasher().hash('oat_...'); // 43 characters of base64url
 * ```
 */
export function sha256Hasher(): SecretHasher {
  const { hash } = nodeCrypto('sha256');
  return Object.freeze({ algorithm: 'sha256', hash: (secret: string) => hash('sha256', secret, 'base64url') });
}

/**
 * HMAC-SHA-256 of the whole token with a server-side pepper, base64url. A
 * stolen database alone then cannot be used to test guessed tokens. The
 * pepper must be at least 32 bytes; keep it out of the database.
 */
export function hmacSha256Hasher(pepper: string | Uint8Array): SecretHasher {
  // A copy: changing the caller's array afterwards must not change the key.
  const key =
    typeof pepper === 'string'
      ? new TextEncoder().encode(pepper)
      : pepper instanceof Uint8Array
        ? Uint8Array.from(pepper)
        : null;
  if (key === null || key.length < 32)
    throw new OatError('MISCONFIGURED', 'The HMAC pepper must be at least 32 bytes', { context: { field: 'pepper' } });
  const { createHmac } = nodeCrypto('hmac-sha256');
  return Object.freeze({
    algorithm: 'hmac-sha256',
    hash: (secret: string) => createHmac('sha256', key).update(secret).digest('base64url'),
  });
}

/** The first 12 characters of a secret's hash: enough to correlate audit events, useless to an attacker. */
export function fingerprintOf(secretHash: string): string {
  return secretHash.slice(0, 12);
}
