import { createPrivateKey, createPublicKey, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { OatError } from '../errors.js';
import { systemClock } from '../service/clock.js';
import type { Clock } from '../service/ports.js';
import type { EpochMillis } from '../core/token.js';
import type { GrantedAccess } from './grant.js';
import { DEFAULT_TOKEN_LIFETIME_SECONDS, MAX_TOKEN_LIFETIME_SECONDS, MIN_TOKEN_LIFETIME_SECONDS } from './lifetime.js';

/** JWS algorithms distribution 2.8 and later verify; chosen from the key, never configured apart from it. */
export type RegistrySigningAlgorithm = 'ES256' | 'ES384' | 'ES512' | 'RS256';

/**
 * Seconds of slack distribution grants when it checks `exp` (its token
 * verifier's leeway). A registry token capped by an organization token's
 * expiry ends this much earlier, so the registry stops accepting it no later
 * than the organization token expires.
 */
export const REGISTRY_EXPIRY_LEEWAY_SECONDS = 60;

/** Options of {@link createRegistryTokenSigner}. */
export interface RegistryTokenSignerOptions {
  /** The JWT `iss`; the registry's `auth.token.issuer`. */
  readonly issuer: string;
  /** The JWT `aud`, written as a string; the registry's `auth.token.service`. */
  readonly audience: string;
  /** P-256/P-384/P-521 EC or RSA (2048 bits or more) private key, as PEM or a `KeyObject`. */
  readonly signingKey: string | KeyObject;
  /**
   * PEM certificates, leaf first, each issued by the next. The leaf must hold
   * the public half of `signingKey`; the registry's `rootcertbundle` must hold
   * the last one (or its issuer).
   */
  readonly certificateChain: string;
  /** Seconds from issue to expiry, an integer from 60 to 86400. Default 300. */
  readonly lifetimeSeconds?: number;
  /**
   * The time `certificateChain` is checked against at construction. Default:
   * the system clock. Pass the clock `issue` will be given its `now` from.
   */
  readonly clock?: Clock;
}

/** What a registry token says: whom it speaks for and what it grants. */
export interface RegistryTokenClaims {
  /** The JWT `sub`: the organization, or `''` for an anonymous request. */
  readonly subject: string;
  readonly access: ReadonlyArray<GrantedAccess>;
  /**
   * When the organization token behind this one expires: `exp` is kept
   * {@link REGISTRY_EXPIRY_LEEWAY_SECONDS} before it, so a registry that
   * allows that leeway still stops at the same instant. `null`: no cap.
   */
  readonly notAfter?: EpochMillis | null;
}

/** A signed registry token and its times. */
export interface IssuedRegistryToken {
  /** The compact JWS. A bearer credential: do not log it. */
  readonly token: string;
  /** `iat` in epoch milliseconds (a whole second). */
  readonly issuedAt: EpochMillis;
  /**
   * Seconds until `exp`: the lifetime, or less when `notAfter` or the end of
   * the certificate chain's validity comes first (at least 1).
   */
  readonly expiresIn: number;
}

/** Signs registry tokens with one key; built once by {@link createRegistryTokenSigner}. */
export interface RegistryTokenSigner {
  readonly algorithm: RegistrySigningAlgorithm;
  readonly lifetimeSeconds: number;
  /**
   * Signs a token issued at `now` (epoch milliseconds); its `exp` never passes the `notAfter` of
   * any certificate in the chain. Throws `MISCONFIGURED` when the chain is not
   * valid at `now` or has less than {@link MIN_TOKEN_LIFETIME_SECONDS} left:
   * the registry would reject what it signs. Stateless: safe to call
   * concurrently.
   */
  issue(claims: RegistryTokenClaims, now: EpochMillis): Promise<IssuedRegistryToken>;
}

const CERTIFICATE_PEM = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;
const EC_ALGORITHMS: Readonly<Record<string, RegistrySigningAlgorithm>> = {
  prime256v1: 'ES256',
  secp384r1: 'ES384',
  secp521r1: 'ES512',
};
const MIN_RSA_BITS = 2048;
const DIGESTS: Readonly<Record<RegistrySigningAlgorithm, string>> = {
  ES256: 'sha256',
  ES384: 'sha384',
  ES512: 'sha512',
  RS256: 'sha256',
};

const base64url = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');

/**
 * Signs `header.payload` as JWS wants it: ECDSA signatures as the raw r||s
 * pair (RFC 7518 section 3.4), not DER. Synchronous node:crypto: jose 6 signs
 * through `crypto.subtle`, whose work goes to the thread pool and back
 * through the event loop (docs/performance.md, registry rows).
 */
function jwsSignature(algorithm: RegistrySigningAlgorithm, key: KeyObject, signingInput: string): string {
  const data = Buffer.from(signingInput, 'utf8');
  const signature =
    algorithm === 'RS256'
      ? sign(DIGESTS[algorithm], data, key)
      : sign(DIGESTS[algorithm], data, { key, dsaEncoding: 'ieee-p1363' });
  return signature.toString('base64url');
}

function misconfigured(message: string, field: string, cause?: unknown): OatError {
  return new OatError('MISCONFIGURED', message, { context: { field }, ...(cause === undefined ? {} : { cause }) });
}

function privateKeyOf(input: string | KeyObject): KeyObject {
  if (typeof input === 'string') {
    try {
      return createPrivateKey(input);
    } catch (error) {
      throw misconfigured('signingKey is not a readable private key (PEM)', 'signingKey', error);
    }
  }
  if (typeof input === 'object' && input !== null && (input as KeyObject).type === 'private') return input;
  throw misconfigured('signingKey must be a PEM string or a private KeyObject', 'signingKey');
}

/** The algorithm a key signs with; refuses key types distribution cannot verify (Ed25519 makes 2.8 panic). */
function algorithmOf(key: KeyObject): RegistrySigningAlgorithm {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec') {
    const algorithm = details.namedCurve === undefined ? undefined : EC_ALGORITHMS[details.namedCurve];
    if (algorithm !== undefined) return algorithm;
    throw misconfigured(
      `signingKey uses curve ${details.namedCurve ?? 'unknown'}; use P-256, P-384 or P-521`,
      'signingKey',
    );
  }
  if (key.asymmetricKeyType === 'rsa') {
    if ((details.modulusLength ?? 0) >= MIN_RSA_BITS) return 'RS256';
    throw misconfigured(
      `signingKey is an RSA key of ${details.modulusLength ?? 0} bits; use at least ${MIN_RSA_BITS}`,
      'signingKey',
    );
  }
  throw misconfigured(
    `signingKey is a ${key.asymmetricKeyType ?? 'unknown'} key; registries verify only EC (P-256/384/521) and RSA`,
    'signingKey',
  );
}

/** When one certificate of the chain may be used, in epoch milliseconds, and what names it in errors. */
interface CertificateWindow {
  readonly index: number;
  readonly subject: string;
  readonly notBefore: number;
  readonly notAfter: number;
}

/** A checked chain: what goes in `x5c`, and when each certificate is valid. */
interface Chain {
  readonly x5c: ReadonlyArray<string>;
  readonly windows: ReadonlyArray<CertificateWindow>;
  /** The earliest `notAfter` of the chain: after it the registry rejects every token, whatever its `exp`. */
  readonly notAfter: number;
}

/** Epoch milliseconds of a clock's now. One helper, so that a change of what `Clock.now()` returns touches one line. */
export function clockMs(clock: Clock): number {
  return clock.now();
}

/** RFC 3339 in whole seconds, as registries print instants. */
export const isoSeconds = (ms: EpochMillis): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function windowOf(certificate: X509Certificate, index: number): CertificateWindow {
  const subject = certificate.subject.split('\n').join(', ');
  // Node 20's X509Certificate gives the dates as text only ("Jan  1 00:00:00 2030 GMT").
  const notBefore = Date.parse(certificate.validFrom);
  const notAfter = Date.parse(certificate.validTo);
  if (!Number.isFinite(notBefore) || !Number.isFinite(notAfter)) {
    throw misconfigured(
      `certificate ${index} of certificateChain (${subject}) has validity dates that cannot be read`,
      'certificateChain',
    );
  }
  return Object.freeze({ index, subject, notBefore, notAfter });
}

/**
 * Why the chain cannot sign at `now`, or `null` when it can: every
 * certificate must have begun and must have at least
 * {@link MIN_TOKEN_LIFETIME_SECONDS} left, since a registry verifies the chain
 * at its own time and a token must be usable that long (distribution's token
 * spec).
 */
function chainProblem(chain: Chain, now: number): OatError | null {
  for (const window of chain.windows) {
    const { index, subject, notBefore, notAfter } = window;
    // Checked on every issue: the dates are formatted only for a refusal (bench: registry, the whole request).
    if (now >= notBefore && notAfter - now >= MIN_TOKEN_LIFETIME_SECONDS * 1000) continue;
    const validity = `valid from ${isoSeconds(notBefore)} to ${isoSeconds(notAfter)}`;
    const problem =
      now < notBefore
        ? `is not valid yet (${validity})`
        : now > notAfter
          ? `has expired (${validity})`
          : `expires in less than ${MIN_TOKEN_LIFETIME_SECONDS} s (${validity}), too soon for a registry token`;
    return new OatError(
      'MISCONFIGURED',
      `certificate ${index} of certificateChain (${subject}) ${problem} at ${isoSeconds(now)}; renew it`,
      {
        context: {
          field: 'certificateChain',
          index,
          subject,
          validFrom: isoSeconds(notBefore),
          validTo: isoSeconds(notAfter),
          at: isoSeconds(now),
        },
      },
    );
  }
  return null;
}

/** Parses the chain and checks it: leaf holds the signing key, each certificate issued by the next. */
function chainOf(pem: string, key: KeyObject): Chain {
  if (typeof pem !== 'string') throw misconfigured('certificateChain must be a PEM string', 'certificateChain');
  const blocks = pem.match(CERTIFICATE_PEM) ?? [];
  if (blocks.length === 0) throw misconfigured('certificateChain holds no PEM certificate', 'certificateChain');
  let certificates: X509Certificate[];
  try {
    certificates = blocks.map((block) => new X509Certificate(block));
  } catch (error) {
    throw misconfigured('certificateChain holds a certificate that cannot be read', 'certificateChain', error);
  }
  const spki = (k: KeyObject): Buffer => k.export({ type: 'spki', format: 'der' });
  const leaf = certificates[0] as X509Certificate;
  if (!spki(leaf.publicKey).equals(spki(createPublicKey(key)))) {
    throw misconfigured(
      'the first certificate of certificateChain does not hold the public half of signingKey',
      'certificateChain',
    );
  }
  certificates.forEach((certificate, i) => {
    const issuer = certificates[i + 1];
    if (issuer !== undefined && !certificate.checkIssued(issuer)) {
      throw misconfigured(
        `certificate ${i} of certificateChain is not issued by certificate ${i + 1}; list the leaf first`,
        'certificateChain',
      );
    }
  });
  const windows = Object.freeze(certificates.map(windowOf));
  return Object.freeze({
    // x5c holds standard (not URL-safe) base64 of each DER certificate.
    x5c: Object.freeze(certificates.map((c) => c.raw.toString('base64'))),
    windows,
    notAfter: Math.min(...windows.map((w) => w.notAfter)),
  });
}

function lifetimeOf(value: number | undefined): number {
  const lifetime = value ?? DEFAULT_TOKEN_LIFETIME_SECONDS;
  if (!Number.isInteger(lifetime) || lifetime < MIN_TOKEN_LIFETIME_SECONDS || lifetime > MAX_TOKEN_LIFETIME_SECONDS) {
    throw misconfigured(
      `lifetimeSeconds must be an integer from ${MIN_TOKEN_LIFETIME_SECONDS} to ${MAX_TOKEN_LIFETIME_SECONDS}`,
      'lifetimeSeconds',
    );
  }
  return lifetime;
}

/**
 * Builds the signer of registry tokens (JWS in the form distribution
 * verifies): the algorithm follows the key (ES256 for P-256, RS256 for RSA),
 * the header carries `x5c` (the chain, leaf first), and the claims are `iss`,
 * `sub`, `aud` as a single string, integer `iat`, `nbf`, `exp`, a random
 * `jti`, and `access`. Checks all configuration at construction and throws
 * `MISCONFIGURED` for a key registries cannot verify, a chain that does not
 * match it, a certificate that is not valid at `clock`'s now (or has less
 * than 60 seconds left), or a lifetime outside 60 to 86400 seconds. A chain
 * that expires while the signer lives makes `issue` throw `MISCONFIGURED`
 * from then on; until then `exp` is capped at the chain's earliest
 * `notAfter`. Signs with node:crypto synchronously (no thread-pool round
 * trip); `issue` stays async for signers that cannot.
 *
 * @example
 * ```ts
 * const signer = createRegistryTokenSigner({
 *   issuer: 'oat',
 *   audience: 'registry.local',
 *   signingKey: keyPem,
 *   certificateChain: certPem,
 * });
 * const access = [{ type: 'repository', name: 'acme/app', actions: ['pull'] }];
 * const { token } = await signer.issue({ subject: 'acme', access }, Date.now());
 * ```
 */
export function createRegistryTokenSigner(options: RegistryTokenSignerOptions): RegistryTokenSigner {
  for (const field of ['issuer', 'audience'] as const) {
    if (typeof options[field] !== 'string' || options[field].length === 0)
      throw misconfigured(`${field} must be a non-empty string`, field);
  }
  const { issuer, audience } = options;
  const key = privateKeyOf(options.signingKey);
  const algorithm = algorithmOf(key);
  const chain = chainOf(options.certificateChain, key);
  const lifetimeSeconds = lifetimeOf(options.lifetimeSeconds);
  const unusable = chainProblem(chain, clockMs(options.clock ?? systemClock));
  if (unusable !== null) throw unusable;
  const chainEnd = Math.floor(chain.notAfter / 1000);
  // The header never changes for a signer: encoded once.
  const encodedHeader = base64url(JSON.stringify({ alg: algorithm, typ: 'JWT', x5c: chain.x5c }));

  return Object.freeze({
    algorithm,
    lifetimeSeconds,
    async issue(claims: RegistryTokenClaims, now: EpochMillis): Promise<IssuedRegistryToken> {
      const expired = chainProblem(chain, now);
      if (expired !== null) throw expired;
      const iat = Math.floor(now / 1000);
      const cap =
        claims.notAfter === undefined || claims.notAfter === null
          ? Number.POSITIVE_INFINITY
          : Math.floor(claims.notAfter / 1000) - REGISTRY_EXPIRY_LEEWAY_SECONDS;
      const exp = Math.min(iat + lifetimeSeconds, cap, chainEnd);
      if (exp <= iat) {
        throw new OatError(
          'MISCONFIGURED',
          'The token behind this request expires too soon to issue a registry token; refuse it before signing',
          { context: { field: 'notAfter' } },
        );
      }
      const payload = {
        access: claims.access.map((a) => ({ ...a, actions: [...a.actions] })),
        iss: issuer,
        sub: claims.subject,
        aud: audience,
        iat,
        nbf: iat,
        exp,
        jti: randomBytes(16).toString('base64url'),
      };
      const signingInput = `${encodedHeader}.${base64url(JSON.stringify(payload))}`;
      const token = `${signingInput}.${jwsSignature(algorithm, key, signingInput)}`;
      return Object.freeze({ token, issuedAt: iat * 1000, expiresIn: exp - iat });
    },
  });
}
