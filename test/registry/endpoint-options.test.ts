import { describe, expect, it } from 'vitest';
import { isOatError, type OatError } from '../../src/index.js';
import { createTokenEndpoint, type TokenEndpointOptions } from '../../src/registry/index.js';
import { makeEndpointFixture } from './endpoint-fixture.js';
import { makeSelfSigned } from './keys.js';

function refusal(options: unknown): OatError {
  try {
    createTokenEndpoint(options as TokenEndpointOptions);
  } catch (error) {
    if (isOatError(error)) return error;
    throw error;
  }
  throw new Error('did not throw');
}

describe('createTokenEndpoint reports every missing or invalid option at once', () => {
  it('lists each required option of an empty options object in one MISCONFIGURED', () => {
    const error = refusal({});
    expect(error.code).toBe('MISCONFIGURED');
    const required = ['tokenService', 'audience', 'issuer', 'signingKey', 'certificateChain'];
    expect(error.fields.map((f) => f.path)).toEqual(required);
    expect(error.context).toMatchObject({ field: 'tokenService', fields: required });
    for (const field of required) expect(error.message).toContain(`${field}: is required`);
  });

  it('lists invalid optional options next to the missing required ones', () => {
    const error = refusal({
      audience: 'registry.test',
      anonymous: 'everyone',
      clock: {},
      realm: 7,
      identifyClient: 'ua',
      onError: true,
      repositoryVisibility: 'public',
      lifetimeSeconds: '300',
    });
    expect(error.fields.map((f) => f.path)).toEqual([
      'tokenService',
      'issuer',
      'signingKey',
      'certificateChain',
      'lifetimeSeconds',
      'anonymous',
      'repositoryVisibility',
      'clock',
      'realm',
      'identifyClient',
      'onError',
    ]);
  });

  it("adds the signer's deeper finding (a key registries cannot verify) to the other problems", async () => {
    const fixture = await makeEndpointFixture(Date.now());
    const ed = makeSelfSigned('ed25519');
    const error = refusal({
      audience: 'registry.test',
      issuer: 'oat',
      signingKey: ed.keyPem,
      certificateChain: ed.chainPem,
      anonymous: 'everyone',
      clock: fixture.clock,
    });
    expect(error.fields.map((f) => f.path)).toEqual(['tokenService', 'anonymous', 'signingKey']);
    expect(error.fields[2]?.message).toMatch(/ed25519/);
    expect(error.cause).toMatchObject({ code: 'MISCONFIGURED', context: { field: 'signingKey' } });
  });

  it('builds when every option is valid', async () => {
    const fixture = await makeEndpointFixture(Date.now());
    expect(typeof fixture.build()).toBe('function');
  });
});
