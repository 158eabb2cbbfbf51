import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SQLITE_SCHEMA_OBJECTS } from '../../src/sqlite/index.js';
import { open, tempFolder } from './helpers.js';
import { Worker } from './processes.js';

const PROCESSES = 4;
/**
 * Rounds of the chance race. On the old code about one migrate in ten to forty failed, depending on load: most runs of
 * 20 rounds failed, not all.
 */
const ROUNDS = 20;
/** How far ahead a round's start instant lies: enough for every worker to have its message and opened the file. */
const LEAD_MS = 100;
/**
 * How long the holder keeps the write lock: the others must be waiting on it, and their wait must end well inside the
 * busy timeout.
 */
const HOLD_MS = LEAD_MS + 400;

const folder = tempFolder('migrate');
let workers: Worker[] = [];
let files = 0;

beforeAll(async () => {
  workers = Array.from({ length: PROCESSES }, () => new Worker());
  // Started and warm: the first rounds should not measure tsx loading the worker.
  await round();
});

afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.kill()));
  folder.dispose();
});

/**
 * One new file, migrated by every worker but `holder` starting at the same
 * instant; `holder`, when given, takes the write lock first and lets go of it
 * while the others wait. The file, each migrating worker's error or `null`,
 * and whether they all started before the holder let go.
 */
async function round(
  holder?: Worker,
): Promise<{ file: string; errors: ReadonlyArray<string | null>; startedBeforeRelease: boolean }> {
  const file = folder.file(`new-${++files}.db`);
  holder?.send({ type: 'hold', file, holdMs: HOLD_MS });
  await holder?.expect('holding');
  const migrating = workers.filter((worker) => worker !== holder);
  const at = performance.timeOrigin + performance.now() + LEAD_MS;
  for (const worker of migrating) worker.send({ type: 'migrate', file, at });
  const reports = await Promise.all(migrating.map((worker) => worker.expect('migrated')));
  const released = (await holder?.expect('released'))?.at ?? Number.POSITIVE_INFINITY;
  return {
    file,
    errors: reports.map((report) => report.error),
    startedBeforeRelease: reports.every((report) => report.startedAt < released),
  };
}

function expectMigrated(file: string): void {
  const db = open(file);
  try {
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.prepare('SELECT name FROM sqlite_schema').pluck().all()).toEqual(
      expect.arrayContaining([...SQLITE_SCHEMA_OBJECTS]),
    );
  } finally {
    db.close();
  }
}

describe(`migrate from ${PROCESSES} processes at once on a new file`, () => {
  it(
    'waits for a process holding the write lock, as one caught in its own switch to WAL does, instead of ' +
      'failing with SQLITE_BUSY',
    async () => {
      // SQLite gives up at once, without the busy timeout, when it must upgrade a read to a write while another
      // connection holds the write lock: the window two switches to WAL collide in, held open here.
      for (let repetition = 1; repetition <= 3; repetition++) {
        const { file, errors, startedBeforeRelease } = await round(workers[0]);
        // Otherwise the migrates met no lock and this proves nothing.
        expect({ repetition, startedBeforeRelease }).toEqual({ repetition, startedBeforeRelease: true });
        expect({ repetition, errors }).toEqual({ repetition, errors: workers.slice(1).map(() => null) });
        expectMigrated(file);
      }
    },
  );

  it(
    `succeeds in every process, in each of ${ROUNDS} rounds, and leaves a WAL file with the ` + `whole schema`,
    async () => {
      const failures: string[] = [];
      for (let r = 1; r <= ROUNDS; r++) {
        const { file, errors } = await round();
        failures.push(...errors.flatMap((error, w) => (error === null ? [] : [`round ${r}, worker ${w}: ${error}`])));
        expectMigrated(file);
      }
      expect(failures).toEqual([]);
    },
  );
});
