/**
 * Prelude `stores`: the host's side of the store snippets, for type-checking
 * them. Databases are stand-ins backed by the in-memory store; a logger and
 * the organizations of the quickstart.
 */
import { createMemoryTokenStore, type TokenStore } from '../../../src/index.js';

export { organizations } from './service.js';

/** A structured logger, as pino or bunyan have it. */
export const log = { warn: (fields: Record<string, unknown>, message: string): void => void [fields, message] };

/** A test database handle, as a store for another database would take it. */
export interface TestDatabase {
  readonly name: string;
  destroy(): Promise<void>;
}

export async function openTestDatabase(name = 'test'): Promise<TestDatabase> {
  return { name, destroy: async () => undefined };
}

export function createMyTokenStore(db: TestDatabase): TokenStore {
  void db;
  return createMemoryTokenStore();
}

export async function rawQuery(sql: string, parameters: ReadonlyArray<unknown>): Promise<ReadonlyArray<unknown>> {
  void [sql, parameters];
  return [];
}

export async function openMyStore(): Promise<TokenStore> {
  return createMemoryTokenStore();
}

export async function closeIt(): Promise<void> {}

export async function readRawRow(store: TokenStore, id: string): Promise<unknown> {
  return store.findById(id as Parameters<TokenStore['findById']>[0]);
}
