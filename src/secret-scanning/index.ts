/**
 * org-access-tokens/secret-scanning: the endpoint GitHub's secret-scanning
 * partner program posts leaked tokens to, as a Fetch API handler that checks
 * the program's signatures with WebCrypto and deactivates the tokens through
 * `TokenService.reportLeaked`.
 *
 * @packageDocumentation
 * @module org-access-tokens/secret-scanning
 */
export {
  KEY_IDENTIFIER_HEADER,
  MAX_SECRET_SCANNING_BODY_BYTES,
  SECRET_SCANNING_REFUSAL_CODES,
  SIGNATURE_HEADER,
  createSecretScanningHandler,
} from './handler.js';
export type {
  PublicKeyLookup,
  SecretScanningFeedback,
  SecretScanningHandler,
  SecretScanningOptions,
  SecretScanningRefusalCode,
  SecretScanningService,
} from './handler.js';
export type { RequestSummary } from '../http/summary.js';
