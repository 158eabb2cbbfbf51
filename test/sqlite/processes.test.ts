import type { OrganizationId } from '../../src/core/ids.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseStoredRecord } from '../../src/core/record-schema.js';
import { toOrganizationName } from '../../src/core/ids.js';
import { createSqliteTokenStore, migrate } from '../../src/sqlite/index.js';
import { makeTestRecord } from '../../src/testing/store-contract.js';
import { open, tempFolder } from './helpers.js';
import { Worker, race, type RaceResult } from './processes.js';

const PROCESSES = 4;
const REPETITIONS = 3;
const ORG = toOrganizationName('acme')!;

const folder = tempFolder('processes');
let workers: Worker[] = [];

beforeAll(() => {
  workers = Array.from({ length: PROCESSES }, () => new Worker());
});

afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.kill()));
  folder.dispose();
});

function freshFile(name: string): string {
  const file = folder.file(name);
  const db = open(file);
  migrate(db);
  db.close();
  return file;
}

/** What is really in the file: live rows counted directly, and the maintained counter. */
function tally(file: string): { live: number; counter: number } {
  const db = open(file);
  try {
    const live = Number(
      db.prepare(`SELECT count(*) FROM oat_tokens WHERE organization = ? AND state <> 'deleted'`).pluck().get(ORG),
    );
    const counter = Number(
      db.prepare('SELECT live FROM oat_org_counters WHERE organization = ?').pluck().get(ORG) ?? 0,
    );
    return { live, counter };
  } finally {
    db.close();
  }
}

/**
 * How often consecutive inserts (in rowid, that is commit, order) came from different workers; a sequential run gives
 * at most PROCESSES - 1.
 */
function writerSwitches(file: string, perWorker: number): number {
  const db = open(file);
  try {
    const ids = db.prepare('SELECT id FROM oat_tokens ORDER BY rowid').pluck().all() as string[];
    // makeTestRecord puts the sequence number in the id's last 12 hex digits.
    const writers = ids.map((id) => Math.floor(Number.parseInt(id.slice(-12), 16) / perWorker));
    return writers.filter((writer, i) => i > 0 && writer !== writers[i - 1]).length;
  } finally {
    db.close();
  }
}

const sum = (results: ReadonlyArray<RaceResult>, key: 'inserted' | 'refused'): number =>
  results.reduce((n, r) => n + r[key], 0);

describe(`the SQLite store across ${PROCESSES} processes on one database file`, () => {
  for (const { creates, limit } of [
    { creates: 200, limit: 10 },
    { creates: 2_000, limit: 1_000 },
  ]) {
    it(
      `${creates} concurrent creates at limit ${limit} leave exactly ${limit} live tokens, in each of ` +
        `${REPETITIONS} repetitions`,
      async () => {
        const switches: number[] = [];
        for (let repetition = 1; repetition <= REPETITIONS; repetition++) {
          const file = freshFile(`race-${limit}-${repetition}.db`);
          const results = await race(workers, {
            file,
            organization: ORG,
            limit,
            strategy: 'store',
            creates,
            firstSeq: 0,
          });
          // Legitimate creates never fail with SQLITE_BUSY: writers queue on the lock.
          expect(results.flatMap((r) => r.failures)).toEqual([]);
          // Every process got to create: the writes really came from several connections.
          expect(results.filter((r) => r.inserted + r.refused > 0)).toHaveLength(PROCESSES);
          expect({ repetition, inserted: sum(results, 'inserted'), refused: sum(results, 'refused') }).toEqual({
            repetition,
            inserted: limit,
            refused: creates - limit,
          });
          expect({ repetition, ...tally(file) }).toEqual({ repetition, live: limit, counter: limit });
          switches.push(writerSwitches(file, creates / PROCESSES));
        }
        // With room for many inserts, commits from different processes interleave: the writers really overlapped.
        if (limit >= 100) expect(Math.max(...switches)).toBeGreaterThan(PROCESSES - 1);
      },
    );
  }

  it(
    'negative control: a naive count-then-insert without BEGIN IMMEDIATE overshoots the limit on the ' + 'same harness',
    async () => {
      const limit = 10;
      const file = freshFile('naive.db');
      const results = await race(workers, {
        file,
        organization: ORG,
        limit,
        strategy: 'naive',
        creates: 200,
        firstSeq: 0,
      });
      expect(results.flatMap((r) => r.failures)).toEqual([]);
      const { live, counter } = tally(file);
      // If this ever fails, the harness no longer makes writers overlap, and the tests above prove nothing.
      expect(live).toBeGreaterThan(limit);
      expect(counter).toBe(live);
      expect(sum(results, 'inserted')).toBe(live);
    },
  );

  it(
    'a worker killed mid-write leaves only whole rows, a counter equal to the live count, and the ' + 'quota intact',
    async () => {
      const limit = 25;
      const file = freshFile('crash.db');
      const victim = new Worker();
      try {
        victim.send({ type: 'churn', file, organization: ORG, limit, firstSeq: 0 });
        for (let operations = 0; operations < 600; ) operations = (await victim.expect('progress')).operations;
      } finally {
        await victim.kill('SIGKILL');
      }
      const db = open(file);
      try {
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
        const rows = db.prepare('SELECT * FROM oat_tokens').all();
        expect(rows.length).toBeGreaterThan(limit);
        const records = rows.map((row) => parseStoredRecord(row));
        const live = records.filter((r) => r.state !== 'deleted').length;
        expect(live).toBeLessThanOrEqual(limit);
        expect(tally(file)).toEqual({ live, counter: live });

        const store = createSqliteTokenStore(db);
        const outcomes = [];
        for (let seq = 1_000_000; seq < 1_000_000 + limit + 5; seq++)
          outcomes.push(await store.insertWithinQuota(makeTestRecord(seq, { organization: ORG }), limit));
        expect(outcomes.filter((o) => o.ok)).toHaveLength(limit - live);
        await expect(store.countLive(ORG as string as OrganizationId)).resolves.toBe(limit);
        expect(tally(file)).toEqual({ live: limit, counter: limit });
      } finally {
        db.close();
      }
    },
  );
});
