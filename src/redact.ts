/**
 * Scrubbing of text that may repeat caller input (a scope name, an unknown
 * field's name) before it reaches an error message, a field path or an HTTP
 * error body. Internal: {@link OatError} and the Hub API's error bodies run
 * everything they show through it, so no call site can forget.
 */

/** What a run that looks like a secret is replaced with. */
export const REDACTED = '[redacted]';

/** Longest echoed value kept, in code points; a longer one keeps this many and ends in `…`. */
export const MAX_ECHO_LENGTH = 32;

// The same as DEFAULT_TOKEN_PREFIX in core/format.ts, which cannot be imported here:
// format.ts imports errors.ts, which imports this file.
const DEFAULT_PREFIX = 'oat_';

// A token is `<prefix><36 base62>`. A mistyped or cut token may be shorter than RUN, and
// with `_` in the prefix the part before it would stay visible: hence the prefix rule.
const MIN_AFTER_PREFIX = 8;
const RUN = /[A-Za-z0-9]{24,}/g;
const UPPER = /[A-Z]/;
const LOWER = /[a-z]/;
const DIGIT = /[0-9]/;
const QUOTED = /"((?:[^"\\]|\\.)*)"/g;

/**
 * A long base62 run is taken for a secret when it mixes at least two of
 * upper case, lower case and digits: random base62 almost always does, while
 * words and names written in one case (`averylongorganizationname`) do not.
 */
function looksRandom(run: string): boolean {
  return Number(UPPER.test(run)) + Number(LOWER.test(run)) + Number(DIGIT.test(run)) >= 2;
}

const prefixPatterns = new Map<string, RegExp>();
const MAX_PREFIX_PATTERNS = 16;
function prefixPattern(prefix: string): RegExp {
  let pattern = prefixPatterns.get(prefix);
  if (pattern === undefined) {
    // A prefix without `_` counts only where a token could start (not inside a longer run), or a match inside a
    // random run would cut it below RUN's length and leave its start visible.
    const start = prefix.includes('_') ? '' : '(?<![A-Za-z0-9])';
    pattern = new RegExp(
      `${start}${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[A-Za-z0-9_]{${MIN_AFTER_PREFIX},}`,
      'g',
    );
    // Bounded: prefixes come from configuration, but a cache must not grow with whatever it is handed.
    if (prefixPatterns.size < MAX_PREFIX_PATTERNS) prefixPatterns.set(prefix, pattern);
  }
  return pattern;
}

/**
 * Replaces whatever looks like a secret with {@link REDACTED}: `tokenPrefix`
 * (and the default `oat_`) followed by 8 or more token characters, and any
 * run of 24 or more base62 characters mixing two of upper case, lower case
 * and digits (a secret of another format).
 *
 * Invariant: idempotent, and no 12-character slice of a token of a format
 * with this prefix survives, wherever it sits in `text`. Pure.
 */
export function redactSecrets(text: string, tokenPrefix?: string): string {
  let out = text;
  // The policy's prefix first: `dckr_oat_...` goes whole, not as `dckr_` plus a redacted `oat_...`.
  for (const prefix of tokenPrefix === undefined || tokenPrefix === DEFAULT_PREFIX
    ? [DEFAULT_PREFIX]
    : [tokenPrefix, DEFAULT_PREFIX]) {
    if (!out.includes(prefix)) continue;
    // With `_` in the prefix, what follows it is a token body whatever it looks like; without, only a body that
    // looks random is one, so words that merely start with the prefix (`tokenizer` for `tok`) stay.
    out = prefix.includes('_')
      ? out.replace(prefixPattern(prefix), REDACTED)
      : out.replace(prefixPattern(prefix), (match) => (looksRandom(match.slice(prefix.length)) ? REDACTED : match));
  }
  return out.replace(RUN, (run) => (looksRandom(run) ? REDACTED : run));
}

/** Cuts a value to {@link MAX_ECHO_LENGTH} code points, marking the cut with `…`. */
function truncate(value: string): string {
  const points = Array.from(value);
  return points.length <= MAX_ECHO_LENGTH ? value : `${points.slice(0, MAX_ECHO_LENGTH).join('')}…`;
}

/**
 * A field path fit to show: secrets redacted, then each dotted segment cut to
 * {@link MAX_ECHO_LENGTH} (an unknown key is the caller's own string). Pure; idempotent.
 */
export function scrubPath(path: string, tokenPrefix?: string): string {
  return redactSecrets(path, tokenPrefix).split('.').map(truncate).join('.');
}

/**
 * A field message fit to show: secrets redacted, then each double-quoted
 * value cut to {@link MAX_ECHO_LENGTH}. Messages quote what they echo, so the
 * quotes mark what came from the caller. Pure; idempotent.
 */
export function scrubFieldMessage(message: string, tokenPrefix?: string): string {
  return redactSecrets(message, tokenPrefix).replace(QUOTED, (quoted, inner: string) =>
    Array.from(inner).length <= MAX_ECHO_LENGTH ? quoted : `"${truncate(inner)}"`,
  );
}
