/**
 * A bounded memory of recently seen signatures, to refuse a captured request
 * sent again. Internal to the secret-scanning entry.
 */

/** Signatures seen in the last `windowMs`, at most `capacity` of them. */
export interface SignatureMemory {
  /**
   * Records `key` as seen at `now` and returns `true`, or returns `false`
   * when it was already seen less than `windowMs` before. Synchronous, so two
   * concurrent requests with one signature cannot both pass.
   */
  remember(key: string, now: number): boolean;
  /** Drops `key`, so the same request may be sent again (after a fault, for the scanner's retry). */
  forget(key: string): void;
  /** How many signatures are held. */
  readonly size: number;
}

/**
 * Creates a signature memory. Entries leave when they are `windowMs` old, or,
 * when `capacity` are held, oldest first: a memory too small for the
 * scanner's traffic forgets early rather than grows, so size it above the
 * requests a window brings. Only verified requests are recorded, so nobody
 * without the scanner's key can fill it.
 */
export function createSignatureMemory(windowMs: number, capacity: number): SignatureMemory {
  // Insertion order is time order (for a clock that does not go back), so expired entries sit at the front.
  const seen = new Map<string, number>();
  const expire = (now: number): void => {
    for (const [key, at] of seen) {
      if (at > now - windowMs) return;
      seen.delete(key);
    }
  };
  return {
    remember(key, now) {
      expire(now);
      const at = seen.get(key);
      if (at !== undefined && at > now - windowMs) return false;
      seen.delete(key);
      for (const oldest of seen.keys()) {
        if (seen.size < capacity) break;
        seen.delete(oldest);
      }
      seen.set(key, now);
      return true;
    },
    forget(key) {
      seen.delete(key);
    },
    get size() {
      return seen.size;
    },
  };
}
