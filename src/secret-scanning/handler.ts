import type { webcrypto } from 'node:crypto';
import { json } from '../http/json-response.js';
import type { Clock } from '../service/ports.js';
import { isOatError, OatError } from '../errors.js';
import { readRequestBody } from '../http/body.js';
import { summarize, type RequestSummary } from '../http/summary.js';
import {
  LEAK_MODES,
  type LeakLabel,
  type LeakMode,
  type LeakReportRequest,
  type LeakReportResult,
} from '../service/leak-report.js';
import { parseLeakPayload } from './payload.js';
import { createSignatureMemory } from './replay.js';
import {
  importPublicKey,
  parseSignatureHeader,
  publicKeyFingerprint,
  sha256Hex,
  verifySignature,
} from './signature.js';

/**
 * The key lookup the host supplies: the PEM public key GitHub publishes under
 * this identifier, or `null` for an identifier it does not know. Throwing (or
 * rejecting) is a fault, answered with 500 and reported to `onError`.
 */
export type PublicKeyLookup = (keyId: string) => string | null | Promise<string | null>;

/** The service method the handler calls; a full `TokenService` fits, and so does a wrapper. */
export interface SecretScanningService {
  /** The service operation behind the endpoint: see `TokenService.reportLeaked`. */
  reportLeaked(secret: unknown, request: LeakReportRequest): Promise<LeakReportResult>;
}

/** Options for {@link createSecretScanningHandler}. */
export interface SecretScanningOptions {
  readonly service: SecretScanningService;
  readonly publicKey: PublicKeyLookup;
  /** `revoke` deactivates live tokens reported; `report` only audits them. Default `revoke`. */
  readonly mode?: LeakMode;
  /** Largest body read, in bytes, enforced while it streams in. Default {@link MAX_SECRET_SCANNING_BODY_BYTES}. */
  readonly maxBodyBytes?: number;
  /** How long a verified signature is remembered to refuse it again, in ms. Default one hour. */
  readonly replayWindowMs?: number;
  /** Most signatures remembered; past it the oldest are forgotten. Default 10 000. */
  readonly replayCapacity?: number;
  /** The clock of the replay window. Default `Date.now`. */
  readonly clock?: Clock;
  /**
   * Receives every fault answered with 500 or 503 (a key lookup or store that
   * failed, a key that is not a P-256 PEM), with the request's method and URL
   * only. What it throws is ignored.
   */
  readonly onError?: (error: unknown, request: RequestSummary) => void;
}

/** A Fetch API handler: one `Request` in, one `Response` out. Never rejects. */
export type SecretScanningHandler = (request: Request) => Promise<Response>;

/** Why a request was refused (with its status): the `code` of the JSON body `{ code, message }`. */
export const SECRET_SCANNING_REFUSAL_CODES = Object.freeze([
  'METHOD_NOT_ALLOWED',
  'BODY_TOO_LARGE',
  'SIGNATURE_MISSING',
  'KEY_UNKNOWN',
  'SIGNATURE_INVALID',
  'REPLAYED',
  'MALFORMED_PAYLOAD',
  'RETRY_LATER',
  'INTERNAL_ERROR',
] as const);
/** One of {@link SECRET_SCANNING_REFUSAL_CODES}. */
export type SecretScanningRefusalCode = (typeof SECRET_SCANNING_REFUSAL_CODES)[number];

/** One entry of the feedback body, as GitHub's partner program reads it. */
export interface SecretScanningFeedback {
  /** SHA-256 of the token, lower-case hex: the token itself is never sent back. */
  readonly token_hash: string;
  readonly token_type: string;
  readonly label: LeakLabel;
}

/** The header naming the key that signed the request. */
export const KEY_IDENTIFIER_HEADER = 'github-public-key-identifier';
/** The header holding the base64 DER signature of the raw body. */
export const SIGNATURE_HEADER = 'github-public-key-signature';
/** Default largest body: a batch of hundreds of matches fits. */
export const MAX_SECRET_SCANNING_BODY_BYTES = 256 * 1024;

const STATUS: Readonly<Record<SecretScanningRefusalCode, number>> = {
  METHOD_NOT_ALLOWED: 405,
  BODY_TOO_LARGE: 413,
  SIGNATURE_MISSING: 401,
  KEY_UNKNOWN: 401,
  SIGNATURE_INVALID: 401,
  REPLAYED: 409,
  MALFORMED_PAYLOAD: 400,
  RETRY_LATER: 503,
  INTERNAL_ERROR: 500,
};
const KEY_ID = /^[A-Za-z0-9_.:+/=-]{1,256}$/;
/** An imported key and the fingerprint of its DER bytes, which keys the replay memory. */
interface VerifyingKey {
  readonly crypto: webcrypto.CryptoKey;
  readonly fingerprint: string;
}
const KEY_CACHE_SIZE = 16;

const refusal = (code: SecretScanningRefusalCode, message: string, headers: Record<string, string> = {}): Response =>
  json(STATUS[code], { code, message }, headers);

/**
 * One secret reported twice in a batch (two places it leaked) is answered
 * with one label: `true_positive` if any lookup found it ours, since a token
 * purged between the two lookups was ours all the same.
 */
function oneLabelPerSecret(feedback: ReadonlyArray<SecretScanningFeedback>): SecretScanningFeedback[] {
  const ours = new Set(feedback.filter((f) => f.label === 'true_positive').map((f) => f.token_hash));
  return feedback.map((f) => (ours.has(f.token_hash) ? { ...f, label: 'true_positive' } : f));
}

function checkOptions(options: SecretScanningOptions): void {
  const issues: Array<{ path: string; message: string }> = [];
  const o = (typeof options === 'object' && options !== null ? options : {}) as Partial<
    Record<keyof SecretScanningOptions, unknown>
  >;
  if (typeof (o.service as { reportLeaked?: unknown } | undefined)?.reportLeaked !== 'function')
    issues.push({ path: 'service', message: 'must have reportLeaked (a TokenService)' });
  if (typeof o.publicKey !== 'function')
    issues.push({ path: 'publicKey', message: 'must be a function (keyId) => PEM | null' });
  if (o.mode !== undefined && !(LEAK_MODES as ReadonlyArray<unknown>).includes(o.mode))
    issues.push({ path: 'mode', message: 'must be "revoke" or "report"' });
  for (const field of ['maxBodyBytes', 'replayWindowMs', 'replayCapacity'] as const) {
    const value = o[field];
    if (value !== undefined && !(Number.isSafeInteger(value) && (value as number) > 0))
      issues.push({ path: field, message: 'must be a positive integer' });
  }
  if (o.clock !== undefined && typeof (o.clock as { now?: unknown } | null)?.now !== 'function')
    issues.push({ path: 'clock', message: 'must have now()' });
  if (o.onError !== undefined && typeof o.onError !== 'function')
    issues.push({ path: 'onError', message: 'must be a function' });
  if (issues.length > 0) {
    throw new OatError(
      'MISCONFIGURED',
      `createSecretScanningHandler: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`,
      { fields: issues },
    );
  }
}

/**
 * Creates the endpoint GitHub's secret-scanning partner program posts leaked
 * tokens to, as a Fetch API handler. For each request it checks, in order and
 * before anything changes: `POST`; the key id and signature headers; the body
 * size while it streams; the key (from the host's `publicKey` lookup); the
 * ECDSA P-256 signature over the raw body; that the signature was not seen in
 * the replay window (remembered by the key's DER fingerprint, not its
 * identifier); and that the body is a JSON array. Then each match goes to
 * `service.reportLeaked` in turn, and the answer is GitHub's feedback: one
 * `{ token_hash, token_type, label }` per match, status 200, one label for
 * each secret however often it occurs. A match whose `url`, `source` or
 * `type` fails the checks is still looked up and acted on, the bad field
 * replaced (`url` by `https://unknown.invalid/`, `source` left to default to
 * `unknown`, `type` echoed as `''` unless a string of at most 128
 * characters), so a live token of ours is never left live nor answered
 * `false_positive`; an item with no token string of 1 to 256 characters gets
 * no entry.
 *
 * A refused request changes nothing and is answered `{ code, message }` with
 * 4xx. A fault midway (store, key lookup) is answered 500, or 503 for a token
 * that kept changing; its signature is forgotten so the scanner's retry is
 * not taken for a replay, and redoing the matches already handled is harmless:
 * a token deactivated by the first try is `ALREADY_INACTIVE` in the second.
 *
 * Concurrency: the replay memory is this handler's own (one process); two
 * concurrent requests with one signature are told apart synchronously.
 *
 * @example
 * ```ts
 * const scanning = createSecretScanningHandler({
 *   service,
 *   publicKey: githubKeys, // (keyId) => PEM | null, see docs/secret-scanning.md
 * });
 * await serveNode(scanning);
 * ```
 */
export function createSecretScanningHandler(options: SecretScanningOptions): SecretScanningHandler {
  checkOptions(options);
  const { service, publicKey } = options;
  const mode = options.mode ?? 'revoke';
  const maxBodyBytes = options.maxBodyBytes ?? MAX_SECRET_SCANNING_BODY_BYTES;
  const clock = options.clock ?? { now: () => Date.now() };
  const memory = createSignatureMemory(options.replayWindowMs ?? 3_600_000, options.replayCapacity ?? 10_000);
  // Imported keys by PEM text, so a lookup that answers the same key skips the import.
  const keys = new Map<string, Promise<VerifyingKey>>();
  const keyFor = (pem: string, keyId: string): Promise<VerifyingKey> => {
    let key = keys.get(pem);
    if (key === undefined) {
      if (keys.size >= KEY_CACHE_SIZE) keys.delete(keys.keys().next().value as string);
      key = importPublicKey(pem, keyId).then(async (crypto) => ({
        crypto,
        fingerprint: await publicKeyFingerprint(pem),
      }));
      keys.set(pem, key);
      // A key that failed to import is tried again next time: the host may fix its lookup.
      key.catch(() => keys.delete(pem));
    }
    return key;
  };

  async function handle(request: Request): Promise<Response> {
    if (request.method !== 'POST') return refusal('METHOD_NOT_ALLOWED', 'Send matches with POST', { allow: 'POST' });
    const keyId = request.headers.get(KEY_IDENTIFIER_HEADER);
    const signatureText = request.headers.get(SIGNATURE_HEADER);
    if (keyId === null || signatureText === null)
      return refusal('SIGNATURE_MISSING', 'The key identifier and signature headers are required');
    const read = await readRequestBody(request, maxBodyBytes);
    if (!read.ok) return refusal('BODY_TOO_LARGE', 'The body is too large');
    const signature = parseSignatureHeader(signatureText.trim());
    if (signature === null)
      return refusal('SIGNATURE_INVALID', 'The signature is not a base64 DER ECDSA P-256 signature');
    if (!KEY_ID.test(keyId)) return refusal('KEY_UNKNOWN', 'Unknown key identifier');
    const pem = await publicKey(keyId);
    if (pem === null || pem === undefined) return refusal('KEY_UNKNOWN', 'Unknown key identifier');
    // Copied (at most maxBodyBytes) into a view over a plain ArrayBuffer, the only kind WebCrypto's types take.
    const body = new Uint8Array(read.value);
    const key = await keyFor(pem, keyId);
    if (!(await verifySignature(key.crypto, signature, body)))
      return refusal('SIGNATURE_INVALID', 'The signature does not match the body');
    // By the key itself, not its identifier: a new key published under a reused identifier is another signer.
    const replayKey = `${key.fingerprint} ${signature.replayKey}`;
    if (!memory.remember(replayKey, clock.now())) return refusal('REPLAYED', 'This signature was already received');
    try {
      const payload = parseLeakPayload(body);
      if (!payload.ok) {
        return json(STATUS.MALFORMED_PAYLOAD, {
          code: 'MALFORMED_PAYLOAD',
          message: 'The body is not a list of matches',
          fields: payload.fields,
        });
      }
      const feedback: SecretScanningFeedback[] = [];
      for (const item of payload.value) {
        // No usable token string: nothing to look up, nothing to hash, so no entry.
        if (!item.ok) continue;
        const { match } = item;
        const result = await service.reportLeaked(match.token, {
          url: match.url,
          mode,
          ...(match.source === undefined ? {} : { source: match.source }),
        });
        // Every match was checked as reportLeaked checks it: a refusal here is a service (or wrapper) at odds with it.
        if (!result.ok && result.code === 'VALIDATION_FAILED')
          throw new OatError('VALIDATION_FAILED', result.message, { fields: result.fields ?? [] });
        // The scanner's retry may find the token settled; the signature is forgotten below, so it is not a replay.
        if (!result.ok && result.code === 'CONFLICT') throw new OatError('CONFLICT', result.message);
        // A lifecycle that refuses the deactivation still means the token is ours.
        const label: LeakLabel = result.ok ? result.value.label : 'true_positive';
        feedback.push({ token_hash: await sha256Hex(match.token), token_type: match.type, label });
      }
      return json(200, oneLabelPerSecret(feedback));
    } catch (error) {
      memory.forget(replayKey);
      throw error;
    }
  }

  return async function secretScanning(request: Request): Promise<Response> {
    try {
      return await handle(request);
    } catch (error) {
      if (options.onError !== undefined) {
        try {
          options.onError(error, summarize(request));
        } catch {
          // The host's logger failing must not change the answer.
        }
      }
      return isOatError(error) && error.code === 'CONFLICT'
        ? refusal('RETRY_LATER', 'A token kept changing; send the matches again')
        : refusal('INTERNAL_ERROR', 'The matches could not be handled; send them again');
    }
  };
}
