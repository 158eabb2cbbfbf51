import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { parseIsoInstant } from '../../src/core/instant.js';
import { DEFAULT_POLICY, safeParseCreateInput } from '../../src/index.js';

// One ISO 8601 reader serves requests and stored rows. Requests accept what zod's `iso.datetime({ offset: true })`
// accepts, and used to read it with Date.parse: the shared reader must give the same instant for all of it (up to
// nine fraction digits; past nine, V8's Date.parse reads `.0006000000` as 6 ms, and the reader cuts to milliseconds).

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
const requestForm = fc
  .record({
    at: fc.date({ min: new Date(Date.UTC(1970, 0, 1)), max: new Date(Date.UTC(9999, 11, 31)), noInvalidDate: true }),
    fraction: fc.option(fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 9 }), {
      nil: undefined,
    }),
    offsetMinutes: fc.option(fc.integer({ min: -23 * 60 - 59, max: 23 * 60 + 59 }), { nil: undefined }),
  })
  .map(({ at, fraction, offsetMinutes }) => {
    const local = new Date(at.getTime() + (offsetMinutes ?? 0) * 60_000);
    const date = `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`;
    const body = `${date}T${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}`;
    const abs = Math.abs(offsetMinutes ?? 0);
    const zone =
      offsetMinutes === undefined
        ? 'Z'
        : `${offsetMinutes < 0 ? '-' : '+'}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
    return `${body}${fraction === undefined ? '' : `.${fraction}`}${zone}`;
  });

describe('parseIsoInstant, the one ISO 8601 reader', () => {
  it('reads every date-time a request may carry as Date.parse does', () => {
    const accepted = z.iso.datetime({ offset: true });
    fc.assert(
      fc.property(requestForm, (text) => {
        if (!accepted.safeParse(text).success) return;
        expect(parseIsoInstant(text)).toBe(Date.parse(text));
      }),
      { numRuns: 2_000 },
    );
  });

  it('is what create requests are read with, so a fraction past nine digits is cut to the millisecond', () => {
    const parsed = safeParseCreateInput(
      {
        label: 'ci',
        resources: [{ type: 'repository', path: 'acme/app', scopes: ['pull'] }],
        expires_at: '2025-03-02T00:00:00.0006000000Z',
      },
      { organization: 'acme', now: Date.UTC(2025, 2, 1), policy: DEFAULT_POLICY },
    );
    expect(parsed.ok && parsed.value.expiresAt).toBe(Date.UTC(2025, 2, 2));
  });

  it('refuses impossible dates and text without an offset', () => {
    for (const text of [
      '2023-02-29T00:00:00Z',
      '2024-13-01T00:00:00Z',
      '2024-01-01T24:00:00Z',
      '2024-01-01T00:00:00',
      'yesterday',
    ]) {
      expect(parseIsoInstant(text)).toBeUndefined();
    }
  });
});
