import { describe, it } from 'vitest';
import { createMemoryTokenStore } from '../../src/index.js';
import { checkTokenServiceModel } from '../../src/testing/model.js';

describe('the service against its model, on the in-memory store', () => {
  it('keeps every invariant under the seed lifecycle', async () => {
    await checkTokenServiceModel({ makeStore: async () => ({ store: createMemoryTokenStore() }), numRuns: 150 });
  });

  it('keeps every invariant under the docker-hub-current lifecycle', async () => {
    await checkTokenServiceModel({ makeStore: async () => ({ store: createMemoryTokenStore() }), lifecycle: 'docker-hub-current', numRuns: 100 });
  });
});
