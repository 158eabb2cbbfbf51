import type Database from 'better-sqlite3';
import { afterAll } from 'vitest';
import type { TokenStore } from '../../src/service/ports.js';
import { createSqliteTokenStore, migrate } from '../../src/sqlite/index.js';
import { describeTokenStoreContract } from '../../src/testing/store-contract.js';
import { open, tempFolder } from './helpers.js';

const folder = tempFolder('contract');
afterAll(() => folder.dispose());

const connections = new WeakMap<TokenStore, Database.Database>();
let files = 0;

describeTokenStoreContract({
  name: 'sqlite (a WAL database file)',
  makeStore: async () => {
    const file = folder.file(`store-${++files}.db`);
    const opened: Database.Database[] = [];
    const connect = (): TokenStore => {
      const db = open(file);
      opened.push(db);
      migrate(db);
      const store = createSqliteTokenStore(db);
      connections.set(store, db);
      return store;
    };
    return {
      store: connect(),
      openAnother: async () => connect(),
      cleanup: async () => {
        for (const db of opened) db.close();
      },
    };
  },
  inspect: (store) => {
    const db = connections.get(store)!;
    const select = db.prepare('SELECT * FROM oat_tokens WHERE id = ?');
    return async (id) => select.get(id) ?? null;
  },
  capabilities: { concurrentProcesses: true, rotation: true },
});
