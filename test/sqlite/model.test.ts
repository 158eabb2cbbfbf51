import { afterAll, describe, it } from 'vitest';
import { createSqliteTokenStore, migrate } from '../../src/sqlite/index.js';
import { checkTokenServiceModel } from '../../src/testing/model.js';
import { open, tempFolder } from './helpers.js';

const folder = tempFolder('model');
afterAll(() => folder.dispose());
let files = 0;

describe('the service against its model, on a SQLite file', () => {
  it('keeps every invariant under the seed lifecycle', async () => {
    await checkTokenServiceModel({
      numRuns: 30,
      makeStore: async () => {
        const db = open(folder.file(`model-${++files}.db`));
        migrate(db);
        return { store: createSqliteTokenStore(db), cleanup: async () => void db.close() };
      },
    });
  });

  it('keeps every invariant with rotation and reuse detection on', async () => {
    await checkTokenServiceModel({
      numRuns: 30,
      rotation: true,
      makeStore: async () => {
        const db = open(folder.file(`model-${++files}.db`));
        migrate(db);
        return { store: createSqliteTokenStore(db), cleanup: async () => void db.close() };
      },
    });
  });
});
