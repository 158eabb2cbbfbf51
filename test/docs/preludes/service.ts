/**
 * Prelude `service`: the in-memory token service of the quickstart, for
 * blocks that use `service` without building it.
 */
import { createMemoryTokenStore, createTokenService } from '../../../src/index.js';

/** An organization on the Business plan, owned by alice. */
export const organizations = [{ name: 'acme', plan: 'business', owners: ['alice'] }];

export const service = createTokenService({ store: createMemoryTokenStore(), organizations });
