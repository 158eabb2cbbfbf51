import { createMemoryTokenStore } from '../../src/service/memory-store.js';
import { describeTokenStoreContract } from '../../src/testing/store-contract.js';

describeTokenStoreContract({
  name: 'memory',
  makeStore: async () => ({ store: createMemoryTokenStore() }),
  // The memory store has no rows apart from its records: its back door is a read by id.
  inspect: (store) => (id) => store.findById(id),
  capabilities: { rotation: true },
});
