import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSignatureMemory } from '../../src/secret-scanning/replay.js';

const WINDOW = 1000;

describe('createSignatureMemory', () => {
  it('refuses a signature exactly when accepted under a window ago (not forgotten); holds at most capacity', () => {
    const step = fc.oneof(
      fc.record({
        kind: fc.constant('see' as const),
        key: fc.constantFrom('a', 'b', 'c', 'd'),
        advance: fc.integer({ min: 0, max: 700 }),
      }),
      fc.record({
        kind: fc.constant('forget' as const),
        key: fc.constantFrom('a', 'b', 'c', 'd'),
        advance: fc.constant(0),
      }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), fc.integer({ min: 1, max: 5 }), (steps, capacity) => {
        const memory = createSignatureMemory(WINDOW, capacity);
        // The model: accepted keys with when, in acceptance order; the oldest go first when over capacity.
        let accepted: Array<{ key: string; at: number }> = [];
        let now = 0;
        for (const { kind, key, advance } of steps) {
          now += advance;
          if (kind === 'forget') {
            memory.forget(key);
            accepted = accepted.filter((e) => e.key !== key);
            continue;
          }
          accepted = accepted.filter((e) => e.at > now - WINDOW);
          const fresh = !accepted.some((e) => e.key === key);
          expect(memory.remember(key, now)).toBe(fresh);
          if (fresh) {
            accepted.push({ key, at: now });
            if (accepted.length > capacity) accepted = accepted.slice(accepted.length - capacity);
          }
          expect(memory.size).toBeLessThanOrEqual(capacity);
          expect(memory.size).toBe(accepted.length);
        }
      }),
    );
  });

  it('accepts a signature again once its window has passed', () => {
    const memory = createSignatureMemory(WINDOW, 10);
    expect(memory.remember('s', 0)).toBe(true);
    expect(memory.remember('s', WINDOW - 1)).toBe(false);
    expect(memory.remember('s', WINDOW)).toBe(true);
  });
});
