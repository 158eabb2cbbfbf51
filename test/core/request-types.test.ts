import { fileURLToPath } from 'node:url';
import type fc from 'fast-check';
import ts from 'typescript';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import { createShape, updateShape } from '../../src/core/input-shapes.js';
import {
  createMemoryTokenStore,
  createTokenService,
  type CreateTokenRequest,
  type RawResource,
  type UpdateTokenRequest,
} from '../../src/index.js';
import { createInputArbitrary } from '../../src/testing/index.js';

// The `@ts-expect-error` lines below are the proof: each must be a compile error, or `npx tsc --noEmit` fails
// with "Unused '@ts-expect-error' directive". Each call also runs, so the run-time check is shown to hold too.

const alice = { username: 'alice' };
const grant: RawResource = { type: 'repository', path: 'acme/app', scopes: ['pull'] };

function setup() {
  return createTokenService({
    store: createMemoryTokenStore(),
    organizations: [{ name: 'acme', plan: 'business', owners: ['alice'] }],
  });
}

describe('request types', () => {
  it('are the input types of the zod schemas the service validates with', () => {
    expectTypeOf<CreateTokenRequest>().toEqualTypeOf<z.input<typeof createShape>>();
    expectTypeOf<UpdateTokenRequest>().toEqualTypeOf<z.input<typeof updateShape>>();
  });

  it('refuse a misspelt create request at compile time, and at run time', async () => {
    const service = setup();
    // @ts-expect-error `lable` and `resorces` are not fields of CreateTokenRequest
    await expect(service.create(alice, 'acme', { lable: 'ci', resorces: [grant] })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });

  it('refuse a value that is not a request at all', async () => {
    const service = setup();
    // @ts-expect-error a number is not a CreateTokenRequest
    await expect(service.create(alice, 'acme', 42)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('refuse an update field spelt the way JavaScript would (`isActive`), which Hub spells `is_active`', async () => {
    const service = setup();
    const { token } = await service.create(alice, 'acme', { label: 'ci', resources: [grant] });
    // @ts-expect-error `isActive` is not a field of UpdateTokenRequest
    await expect(service.update(alice, 'acme', token.id, { isActive: false })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    // @ts-expect-error expiry cannot change after creation, so UpdateTokenRequest has no such field
    await expect(service.update(alice, 'acme', token.id, { expiry: '30d' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });

  it('refuse a grant whose type is not one of the four names', async () => {
    const service = setup();
    // One grant per line, so the formatter cannot move the error away from the directive.
    // @ts-expect-error `repo` is not a resource type
    const wrongGrant: RawResource = { type: 'repo', path: 'acme/app', scopes: ['pull'] };
    await expect(service.create(alice, 'acme', { label: 'ci', resources: [wrongGrant] })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });

  it('accept what a caller holds read-only: frozen grants and scopes', async () => {
    const resources: ReadonlyArray<RawResource> = Object.freeze([
      Object.freeze({ ...grant, scopes: Object.freeze(['pull'] as const) }),
    ]);
    const { token } = await setup().create(alice, 'acme', {
      label: 'ci',
      resources,
      expires_at: new Date(Date.now() + 86_400_000).toISOString(),
    });
    expect(token.resources).toEqual([{ type: 'repository', path: 'acme/app', scopes: ['scope-image-pull'] }]);
  });

  it("the testing kit's createInputArbitrary yields CreateTokenRequest values", () => {
    expectTypeOf(createInputArbitrary('acme', 0)).toEqualTypeOf<fc.Arbitrary<CreateTokenRequest>>();
  });

  it('this file is one tsc checks (tsconfig include), so the lines above are really compiled', () => {
    const configPath = fileURLToPath(new URL('../../tsconfig.json', import.meta.url));
    const parsed = ts.getParsedCommandLineOfConfigFile(
      configPath,
      {},
      { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined },
    );
    expect(parsed?.fileNames).toContain(fileURLToPath(import.meta.url));
  });
});
