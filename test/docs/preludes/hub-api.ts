/**
 * Prelude `hub-api`: what the Hub API snippets take from the host. A token
 * service, a caller authenticator, a logger, an identity provider and a
 * session store, each the smallest stand-in that has the right type.
 */
import { createHubApi, type CallerAuthenticator } from '../../../src/hub-api/index.js';
import { service } from './service.js';

export { service };

export const authenticateCaller: CallerAuthenticator = (request) =>
  request.headers.get('authorization') === 'Bearer alice-session' ? { username: 'alice' } : null;

export const api = createHubApi({ service, authenticateCaller });

/** A structured logger, as pino or bunyan have it. */
export const logger = { error: (fields: Record<string, unknown>): void => void fields };

/** The host's session store: a cookie header in, the signed-in person or `null` out. */
export const sessions = {
  fromCookie: async (cookie: string | null): Promise<{ readonly username: string } | null> =>
    cookie === 'session=alice' ? { username: 'alice' } : null,
};

/** Claims an identity provider vouches for in a verified JWT. */
export interface IdpClaims {
  readonly sub: string;
  readonly roles: ReadonlyArray<string>;
}

/** Verifies a JWT with the identity provider; rejects when it is not valid. */
export const verifyWithYourIdp = async (jwt: string): Promise<IdpClaims> => {
  if (jwt !== 'valid.jwt') throw new Error('invalid token');
  return { sub: 'alice', roles: ['token-admin'] };
};
