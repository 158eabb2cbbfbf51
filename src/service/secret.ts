const REDACTED = '[REDACTED]';
// util.inspect.custom is this registered symbol (Node, Bun and Deno's Node layer read it): no node:util import needed.
const INSPECT = Symbol.for('nodejs.util.inspect.custom');
const hidden = new WeakMap<TokenSecret, string>();

/**
 * The plaintext of a new token, handed out once, at creation. It stays out of
 * `JSON.stringify`, `String()`, template strings and `util.inspect`; call
 * {@link TokenSecret.reveal} to show it to the person who asked for it.
 */
export class TokenSecret {
  /** Non-secret start of the token, for people to recognise it. */
  readonly displayPrefix: string;

  constructor(plaintext: string, displayPrefix: string) {
    hidden.set(this, plaintext);
    this.displayPrefix = displayPrefix;
    Object.freeze(this);
  }

  /** The plaintext token. Show it once; store only its hash. */
  reveal(): string {
    return hidden.get(this) as string;
  }

  /** `[REDACTED]`, so that a secret serialised by accident leaks nothing. */
  toJSON(): string {
    return REDACTED;
  }

  /** `[REDACTED]`, for `String()` and template strings. */
  toString(): string {
    return REDACTED;
  }

  /** The display prefix only, for `util.inspect` and `console.log`. */
  [INSPECT](): string {
    return `TokenSecret(${this.displayPrefix}…)`;
  }
}
