/**
 * A child process for the SQLite multi-process tests, run as
 * `node --import tsx test/sqlite/worker.ts` with an IPC channel. Each worker
 * opens its own better-sqlite3 connection, as a separate application instance
 * would.
 *
 * Protocol: the parent sends `race`; the worker opens the file, builds its
 * records, reports `ready`, and waits for `go` (sent to every worker at once,
 * so their writes overlap); then it creates and reports `done`. `churn`
 * creates and deletes in a loop, reporting `progress`, until it is killed.
 * `migrate` opens a file and migrates it at a given instant, reporting
 * `migrated` with the error it met, if any. `hold` takes the write lock,
 * reports `holding`, and commits a while later, reporting `released`.
 * A worker exits as soon as its IPC channel closes (`exit`, or the parent gone).
 */
import Database from 'better-sqlite3';
import type { AccessTokenRecord } from '../../src/core/token.js';
import type { TokenStore } from '../../src/service/ports.js';
import { createSqliteTokenStore, migrate } from '../../src/sqlite/index.js';
import { makeTestRecord, nextVersion } from '../../src/testing/store-contract/records.js';
import { report, serveCommands } from '../support/worker-ipc.js';

/** How a worker creates: through the store's guard, or by a naive count, pause, insert. */
export type Strategy = 'store' | 'naive';

/** What the parent sends. */
export type Command =
  | {
      readonly type: 'race';
      readonly file: string;
      readonly organization: string;
      readonly limit: number;
      readonly strategy: Strategy;
      /** Sequence numbers (see `makeTestRecord`) of this worker's records: `firstSeq` to `firstSeq + creates - 1`. */
      readonly firstSeq: number;
      readonly creates: number;
    }
  | { readonly type: 'go' }
  | {
      readonly type: 'churn';
      readonly file: string;
      readonly organization: string;
      readonly limit: number;
      readonly firstSeq: number;
    }
  | {
      readonly type: 'migrate';
      readonly file: string;
      /** The instant (`performance.timeOrigin + performance.now()`) to start at, shared by every worker of a round. */
      readonly at: number;
    }
  | {
      /**
       * Take the write lock (`BEGIN IMMEDIATE` on the file as it is), optionally insert a token, and commit `holdMs`
       * later.
       */
      readonly type: 'hold';
      readonly file: string;
      readonly holdMs: number;
      /** A token to insert while holding the lock: `makeTestRecord(seq, { organization })`. */
      readonly insert?: { readonly organization: string; readonly seq: number };
    }
  | { readonly type: 'exit' };

/** What the worker reports. */
export type Report =
  | { readonly type: 'ready' }
  | {
      readonly type: 'done';
      readonly inserted: number;
      readonly refused: number;
      readonly failures: ReadonlyArray<string>;
    }
  | { readonly type: 'progress'; readonly operations: number }
  | { readonly type: 'holding' }
  /** `at`: when the lock was let go, on the clock `migrate`'s `at` uses. */
  | { readonly type: 'released'; readonly at: number }
  /**
   * How one `migrate` ended: `null` when it succeeded, else the error's name, code and `context.driverCode`; and when
   * it started.
   */
  | { readonly type: 'migrated'; readonly error: string | null; readonly startedAt: number }
  | { readonly type: 'failed'; readonly message: string };

const send = (message: Report): void => report(message);

const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

let go: (() => void) | null = null;

/**
 * The negative control: count, yield to the event loop, then insert, each statement in its own implicit transaction.
 */
function naiveCreator(db: Database.Database, limit: number): (record: AccessTokenRecord) => Promise<boolean> {
  const count = db.prepare(`SELECT count(*) FROM oat_tokens WHERE organization_id = ? AND state <> 'deleted'`).pluck();
  const insert = db.prepare(
    `INSERT INTO oat_tokens (id, organization_id, organization, label, description, created_by, created_at,
      updated_at, expires_at, last_used_at, state, resources, secret_hash, display_prefix, version)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, 'active', ?, ?, ?, 1)`,
  );
  return async (record) => {
    if (Number(count.get(record.organizationId)) >= limit) return false;
    // The window a real service has between two awaited queries.
    await pause(2);
    insert.run(
      record.id,
      record.organizationId,
      record.organization,
      record.label,
      record.description,
      record.createdBy,
      record.createdAt,
      record.updatedAt,
      JSON.stringify(record.resources),
      record.secretHash,
      record.displayPrefix,
    );
    return true;
  };
}

async function race(command: Extract<Command, { type: 'race' }>): Promise<void> {
  const db = new Database(command.file);
  try {
    const store = createSqliteTokenStore(db);
    const naive = naiveCreator(db, command.limit);
    const records = Array.from({ length: command.creates }, (_, i) =>
      makeTestRecord(command.firstSeq + i, { organization: command.organization }),
    );
    await new Promise<void>((resolve) => {
      go = resolve;
      send({ type: 'ready' });
    });
    let inserted = 0;
    let refused = 0;
    const failures: string[] = [];
    for (const record of records) {
      try {
        const ok =
          command.strategy === 'store'
            ? (await store.insertWithinQuota(record, command.limit)).ok
            : await naive(record);
        if (ok) inserted++;
        else refused++;
      } catch (error) {
        const context = (error as { context?: { driverCode?: string } }).context;
        failures.push(context?.driverCode ?? (error as { code?: string }).code ?? String(error));
      }
    }
    send({ type: 'done', inserted, refused, failures });
  } finally {
    db.close();
  }
}

/**
 * Opens the file, spins until `at`, then migrates: several workers doing this
 * at once are several instances starting together. Messages reach the
 * workers a millisecond or more apart, more than the window in which two
 * switches to WAL collide; an instant to spin towards is closer.
 */
function migrateAt(command: Extract<Command, { type: 'migrate' }>): void {
  const db = new Database(command.file);
  try {
    let startedAt = performance.timeOrigin + performance.now();
    while (startedAt < command.at) startedAt = performance.timeOrigin + performance.now();
    try {
      migrate(db);
      send({ type: 'migrated', error: null, startedAt });
    } catch (error) {
      const { name, code, context } = error as { name?: string; code?: string; context?: { driverCode?: string } };
      send({
        type: 'migrated',
        error: [name, code, context?.driverCode].filter((part) => part !== undefined).join(' '),
        startedAt,
      });
    }
  } finally {
    db.close();
  }
}

/**
 * Holds the write lock for a while, as an instance in the middle of a write (its own switch to WAL, a create) would.
 */
async function hold(command: Extract<Command, { type: 'hold' }>): Promise<void> {
  const db = new Database(command.file);
  try {
    // Built before the lock: construction reads the schema. Its insert then runs as a savepoint inside the held
    // transaction.
    const store = command.insert === undefined ? null : createSqliteTokenStore(db);
    db.exec('BEGIN IMMEDIATE');
    if (command.insert !== undefined)
      await store?.insertWithinQuota(
        makeTestRecord(command.insert.seq, { organization: command.insert.organization }),
        Number.MAX_SAFE_INTEGER,
      );
    send({ type: 'holding' });
    await pause(command.holdMs);
    db.exec('COMMIT');
    send({ type: 'released', at: performance.timeOrigin + performance.now() });
  } finally {
    db.close();
  }
}

/**
 * Creates until refused, then deletes the oldest live token, forever: writes are always in flight when the parent
 * kills.
 */
async function churn(command: Extract<Command, { type: 'churn' }>): Promise<void> {
  const db = new Database(command.file);
  const store: TokenStore = createSqliteTokenStore(db);
  for (let seq = command.firstSeq, operations = 1; ; seq++, operations++) {
    const record = makeTestRecord(seq, { organization: command.organization });
    const outcome = await store.insertWithinQuota(record, command.limit);
    if (!outcome.ok) {
      const { items } = await store.list({
        organizationId: record.organizationId,
        now: record.createdAt,
        offset: 0,
        limit: 1,
      });
      const oldest = items[0];
      if (oldest !== undefined)
        await store.replace(nextVersion(oldest, { state: 'deleted', updatedAt: record.createdAt }), oldest.version);
    }
    if (operations % 25 === 0) {
      send({ type: 'progress', operations });
      // Let the IPC message go out: resolved promises alone never return to the event loop.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
}

serveCommands<Command>({
  race,
  go: () => {
    go?.();
    go = null;
  },
  churn,
  migrate: migrateAt,
  hold,
});
