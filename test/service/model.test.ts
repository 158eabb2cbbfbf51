import { describe, expect, it } from 'vitest';
import { createMemoryTokenStore } from '../../src/index.js';
import { checkTokenServiceModel } from '../../src/testing/model.js';

describe('the service against its model, on the in-memory store', () => {
  it('keeps every invariant under the seed lifecycle', async () => {
    await checkTokenServiceModel({ makeStore: async () => ({ store: createMemoryTokenStore() }), numRuns: 150 });
  });

  it('keeps every invariant under the docker-hub-current lifecycle', async () => {
    await checkTokenServiceModel({
      makeStore: async () => ({ store: createMemoryTokenStore() }),
      lifecycle: 'docker-hub-current',
      numRuns: 100,
    });
  });
});

describe('the service against its model, with rotation and reuse detection on', () => {
  it('rotates, logs in with retired secrets in and after their grace, and keeps every invariant', async () => {
    const seen = await checkTokenServiceModel({
      makeStore: async () => ({ store: createMemoryTokenStore() }),
      rotation: true,
      numRuns: 120,
    });
    for (const outcome of ['rotate:ok', 'rotate:TRANSITION_DENIED', 'retired-login:ok', 'retired-login:ROTATED'])
      expect({ outcome, seen: (seen[outcome] ?? 0) > 0 }).toEqual({ outcome, seen: true });
  });
});

describe('the model draws its randomness from its arbitraries', () => {
  it(
    'makes the same tokens (ids and secret hashes) when replayed with the same seed, since the service takes ' +
      'its bytes from the run',
    async () => {
      const replay = async (): Promise<string[]> => {
        const made: string[] = [];
        await checkTokenServiceModel({
          makeStore: async () => {
            const store = createMemoryTokenStore();
            const insertWithinQuota: typeof store.insertWithinQuota = (record, limit) => {
              made.push(`${record.id} ${record.secretHash}`);
              return store.insertWithinQuota(record, limit);
            };
            return { store: { ...store, insertWithinQuota } };
          },
          numRuns: 3,
          maxCommands: 20,
          seed: 1234,
        });
        return made;
      };
      const first = await replay();
      expect(first.length).toBeGreaterThan(5);
      expect(await replay()).toEqual(first);
    },
  );
});
