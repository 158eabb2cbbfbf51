import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_ECHO_LENGTH, REDACTED, redactSecrets, scrubFieldMessage, scrubPath } from '../../src/redact.js';
import {
  DEFAULT_POLICY,
  DEFAULT_TOKEN_PREFIX,
  OatError,
  createMemoryTokenStore,
  createPolicy,
  createTokenService,
  isOatError,
  parseCreateInput,
  parseCreateRequest,
  parseUpdateInput,
  parseUpdateRequest,
  safeParseCreateInput as safeParseCreate,
  safeParseCreateRequest,
  safeParseUpdateRequest,
  safeParseUpdateInput as safeParseUpdate,
  type InputContext,
  type ParseResult,
} from '../../src/index.js';

// These properties feed the validators what a JavaScript caller or a cast could: the request types are bypassed on
// purpose.
const safeParseCreateInput = (input: unknown, ctx: InputContext) => safeParseCreate(input as never, ctx);
const safeParseUpdateInput = (input: unknown, ctx: InputContext) => safeParseUpdate(input as never, ctx);
import { createFakeClock } from '../../src/testing/fake-clock.js';
import {
  embedded,
  expectNoSlice,
  foreignSecret,
  requestWith,
  surfacesOf,
  tokenOf,
  tokenPrefix,
} from '../support/secrets.js';

const NOW = Date.UTC(2025, 2, 1, 12);
/** What `parse` throws; fails the test when it returns instead. */
function thrownBy(parse: () => unknown): unknown {
  try {
    parse();
  } catch (error) {
    return error;
  }
  return expect.fail('the throwing twin returned where the safe one refused');
}
const contextFor = (prefix: string): InputContext => ({
  organization: 'acme',
  now: NOW,
  policy: createPolicy({ tokenPrefix: prefix }),
});

/** A policy prefix, a secret (a token of that format or a secret of another format), and a request that embeds it. */
const planted = tokenPrefix.chain((prefix) =>
  fc
    .oneof({ weight: 3, arbitrary: tokenOf(prefix) }, { weight: 1, arbitrary: foreignSecret })
    .chain((secret) =>
      embedded(secret).chain((s) => requestWith(s, secret).map((input) => ({ prefix, secret, input }))),
    ),
);

describe('validation errors never echo a secret', () => {
  it(
    'no surface of a create or update refusal, returned or thrown (message, fields, JSON, inspect, stack), ' +
      'holds a 12-character slice of the secret',
    () => {
      fc.assert(
        fc.property(planted, ({ prefix, secret, input }) => {
          const ctx = contextFor(prefix);
          const twins: ReadonlyArray<readonly [ParseResult<unknown>, () => unknown]> = [
            [safeParseCreateInput(input, ctx), () => parseCreateInput(input as never, ctx)],
            [safeParseUpdateInput(input, ctx), () => parseUpdateInput(input as never, ctx)],
            [safeParseCreateRequest(input, ctx.policy), () => parseCreateRequest(input, ctx.policy)],
            [safeParseUpdateRequest(input, ctx.policy), () => parseUpdateRequest(input, ctx.policy)],
          ];
          for (const [result, parse] of twins) {
            if (result.ok) continue;
            expectNoSlice(surfacesOf(result), secret);
            // The throwing twin's error has one more surface, its stack trace, taken when it was built.
            const error = thrownBy(parse);
            expect(isOatError(error) && error.code).toBe('VALIDATION_FAILED');
            expectNoSlice([...surfacesOf(error), (error as Error).stack ?? ''], secret);
          }
        }),
        { numRuns: 300 },
      );
    },
  );

  it('the service’s list options do not echo a secret either', async () => {
    await fc.assert(
      fc.asyncProperty(
        tokenPrefix.chain((prefix) => tokenOf(prefix).map((secret) => ({ prefix, secret }))),
        async ({ prefix, secret }) => {
          const service = createTokenService({
            store: createMemoryTokenStore(),
            clock: createFakeClock(),
            organizations: [{ name: 'acme', plan: 'team', owners: ['alice'] }],
            policy: { tokenPrefix: prefix },
          });
          for (const options of [{ [secret]: 1 }, { status: secret }, { page: 1, [`x${secret}`]: { [secret]: 2 } }]) {
            const error = await service.list({ username: 'alice' }, 'acme', options as never).then(
              () => expect.fail('accepted'),
              (e: unknown) => e,
            );
            expect(isOatError(error) && error.code).toBe('VALIDATION_FAILED');
            expectNoSlice(surfacesOf(error), secret);
          }
        },
      ),
      { numRuns: 30 },
    );
  });

  it('redacts a cut or mistyped token of the policy’s format, prefix included', () => {
    const ctx = contextFor('dckr_oat_');
    const result = safeParseCreateInput(
      { label: 'ci', resources: [{ type: 'repository', path: 'acme/app', scopes: ['dckr_oat_AbCdEfGh12'] }] },
      ctx,
    );
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.fields).toEqual([{ path: 'resources.0.scopes.0', message: `unknown scope "${REDACTED}"` }]);
      expect(result.message).toBe(`Invalid create request: resources.0.scopes.0: unknown scope "${REDACTED}"`);
    }
  });

  it('redacts a cut token of a prefix without `_`, and leaves words that merely start with the prefix', () => {
    expect(redactSecrets('bad "tokYVLkTKyYWJEH7D5K"', 'tok')).toBe(`bad "${REDACTED}"`);
    expect(redactSecrets('the tokenizer failed', 'tok')).toBe('the tokenizer failed');
  });

  it(
    'errors the service throws with a context (a refused organization or id) hold no secret in ' + 'any surface',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.oneof(tokenOf('oat_'), foreignSecret), async (secret) => {
          const service = createTokenService({
            store: createMemoryTokenStore(),
            clock: createFakeClock(),
            organizations: [{ name: 'acme', plan: 'team', owners: ['alice'] }],
          });
          for (const attempt of [
            () => service.list({ username: 'alice' }, secret.toLowerCase()),
            () => service.list({ username: 'alice' }, secret),
            () => service.get({ username: 'alice' }, 'acme', secret),
            () => service.get({ username: secret }, 'acme', '00000000-0000-4000-8000-000000000000'),
          ]) {
            const error = await attempt().then(
              () => expect.fail('accepted'),
              (e: unknown) => e,
            );
            expect(isOatError(error)).toBe(true);
            expectNoSlice(surfacesOf(error), secret);
            // Lower-cased (as an organization name is), a token of our format is still recognised by its prefix; a
            // foreign secret whose body is letters only becomes indistinguishable from a long name, so only ours is
            // checked.
            if (secret.startsWith('oat_')) expectNoSlice(surfacesOf(error), secret.toLowerCase());
          }
        }),
        { numRuns: 50 },
      );
    },
  );

  it('names an unknown field by at most 32 characters of its name', () => {
    const key = 'x'.repeat(100);
    const result = safeParseCreateInput(
      { label: 'ci', resources: [{ type: 'repository', path: 'acme/app', scopes: ['pull'], [key]: 1 }] },
      contextFor(DEFAULT_TOKEN_PREFIX),
    );
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.fields).toEqual([
        { path: `resources.0.${'x'.repeat(MAX_ECHO_LENGTH)}…`, message: 'is not a recognised field' },
      ]);
  });

  it('quotes at most 32 characters of an unknown scope, and escapes quotes in it', () => {
    const scope = `a"${'b'.repeat(60)}`;
    const result = safeParseCreateInput(
      { label: 'ci', resources: [{ type: 'repository', path: 'acme/app', scopes: [scope] }] },
      { organization: 'acme', now: NOW, policy: DEFAULT_POLICY },
    );
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.fields[0]?.message).toBe(`unknown scope "a\\"${'b'.repeat(MAX_ECHO_LENGTH - 3)}…"`);
  });
});

describe('OatError scrubs whatever it is given', () => {
  it('redacts a secret in the message and in field paths and messages, before the stack trace is taken', () => {
    fc.assert(
      fc.property(
        fc
          .oneof(tokenOf(DEFAULT_TOKEN_PREFIX), foreignSecret)
          .chain((secret) => embedded(secret).map((s) => ({ secret, s }))),
        ({ secret, s }) => {
          const error = new OatError('FORBIDDEN', `"${s}" may not`, {
            fields: [{ path: `a.${s}`, message: `bad "${s}"` }],
          });
          expectNoSlice([...surfacesOf(error), error.stack ?? ''], secret);
        },
      ),
    );
  });
});

describe('redactSecrets and the scrubbers', () => {
  const text = fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary' }),
    fc.string({ unit: fc.constantFrom('a', 'B', '7', '_', '.', '"', '\\', 'o', 't', ' '), maxLength: 80 }),
  );

  it('are idempotent', () => {
    fc.assert(
      fc.property(text, fc.option(tokenPrefix, { nil: undefined }), (t, prefix) => {
        expect(redactSecrets(redactSecrets(t, prefix), prefix)).toBe(redactSecrets(t, prefix));
        expect(scrubPath(scrubPath(t, prefix), prefix)).toBe(scrubPath(t, prefix));
        expect(scrubFieldMessage(scrubFieldMessage(t, prefix), prefix)).toBe(scrubFieldMessage(t, prefix));
      }),
    );
  });

  it('leave token ids, single-case names and the library’s own words alone', () => {
    fc.assert(
      fc.property(fc.uuid(), fc.stringMatching(/^[a-z]{24,60}$/), (id, name) => {
        expect(redactSecrets(`Token ${id} not found in "${name}"`)).toBe(`Token ${id} not found in "${name}"`);
      }),
    );
    const reason = '"alice" is not an owner of "acme" or its company and lacks "manage-organization-access-tokens"';
    expect(redactSecrets(reason)).toBe(reason);
    expect(scrubFieldMessage('must be "org/name", "org/*" or "*/*/public"')).toBe(
      'must be "org/name", "org/*" or "*/*/public"',
    );
  });
});
