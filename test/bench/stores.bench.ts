/**
 * Topic 5, stores: creates per second under contention and authentications
 * per second over 10,000 stored tokens, through the same token service over
 * the memory store, SQLite (a WAL file in a temp dir) and PostgreSQL (a fresh
 * schema), side by side in one run, as ratios to the memory store.
 *
 * Creates: 4 concurrent callers in this process (one SQLite connection, a
 * pool of 4 PostgreSQL connections), then 4 writer processes with a
 * connection each, on one organization and on 4. Authentication: every token
 * authenticated once first (so last-used was just written and the rows are in
 * cache), then 1 and 4 concurrent callers, and the store's lookup alone.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createMemoryTokenStore, sha256Hasher, type TokenService, type TokenStore } from '../../src/index.js';
import { migrate as migratePostgres } from '../../src/postgres/index.js';
import { formatRatio, measureAsync, printGrid, printTable, printTopic, shuffled, sinkValue, speedup, type AsyncLoop, type Measured } from './harness.js';
import {
  ACTOR,
  AUTH_ORGS,
  CREATE_ONE,
  CREATE_SPREAD,
  Cleanup,
  createInput,
  measuredFromRounds,
  openPostgres,
  openSqlite,
  packageVersion,
  provisionPostgres,
  serviceOver,
  startWriters,
  type Round,
  type StoreTarget,
} from './stores-fixture.js';

const CALLERS = 4;
const STORED = 10_000;
/** Writer windows: one to warm up, then the measured ones. */
const ROUND_MS = 400;
const ROUNDS = 8;
// Batches of at least 20 ms, so that each sample carries its share of garbage collection: with
// shorter ones a minority of batches pays every collection and the median leaves that cost out.
const CREATE_OPTIONS = { timeMs: 1000, targetSampleMs: 20 } as const;
const AUTH_OPTIONS = { timeMs: 1000, targetSampleMs: 20 } as const;

interface Contender {
  readonly name: string;
  readonly service: TokenService;
  readonly store: TokenStore;
  /** Last-used writes the store was asked for so far. */
  readonly touches: () => number;
  /** How a writer process opens its own connection; none for the memory store. */
  readonly target: StoreTarget | null;
}

/** Counts last-used writes, to show that authentication in the measured runs only reads. */
function contender(name: string, store: TokenStore, target: StoreTarget | null): Contender {
  let touches = 0;
  const counted: TokenStore = Object.freeze({
    ...store,
    touchLastUsed: (...args: Parameters<TokenStore['touchLastUsed']>) => {
      touches++;
      return store.touchLastUsed(...args);
    },
  });
  return { name, service: serviceOver(counted), store: counted, touches: () => touches, target };
}

/** `k` creates split over one caller per entry of `organizations`, all in flight at once. */
function createLoop(service: TokenService, organizations: ReadonlyArray<string>): AsyncLoop {
  return async (k) => {
    let done = 0;
    await Promise.all(
      organizations.map(async (organization, w) => {
        const input = createInput(organization);
        for (let i = w; i < k; i += organizations.length) {
          await service.create(ACTOR, organization, input);
          done++;
        }
      }),
    );
    return done;
  };
}

interface StoredToken {
  readonly organization: string;
  readonly secret: string;
  readonly hash: string;
}

/** `k` operations over the tokens in their fixed order, `callers` in flight at once; each answers whether it succeeded. */
function rotation(tokens: ReadonlyArray<StoredToken>, callers: number, failures: { n: number }, op: (t: StoredToken) => Promise<boolean>): AsyncLoop {
  let cursor = 0;
  return async (k) => {
    let issued = 0;
    let ok = 0;
    const caller = async (): Promise<void> => {
      while (issued < k) {
        issued++;
        const token = tokens[cursor] as StoredToken;
        cursor = cursor + 1 === tokens.length ? 0 : cursor + 1;
        if (await op(token)) ok++;
        else failures.n++;
      }
    };
    await Promise.all(Array.from({ length: callers }, caller));
    return ok;
  };
}

/** Creates {@link STORED} tokens spread over 100 organizations, 8 at a time, and returns them in a fixed shuffled order. */
async function storeTokens(service: TokenService): Promise<StoredToken[]> {
  const hasher = sha256Hasher();
  const made: StoredToken[] = [];
  let next = 0;
  const caller = async (): Promise<void> => {
    while (next < STORED) {
      // Neighbours go to different organizations, so the creators do not queue on one quota row.
      const organization = AUTH_ORGS[next++ % AUTH_ORGS.length] as string;
      const secret = (await service.create(ACTOR, organization, createInput(organization))).secret.reveal();
      made.push({ organization, secret, hash: hasher.hash(secret) });
    }
  };
  await Promise.all(Array.from({ length: 8 }, caller));
  return shuffled(made, 11);
}

const seconds = (since: number): string => `${((performance.now() - since) / 1000).toFixed(1)} s`;
const SYNCHRONOUS = ['OFF', 'NORMAL', 'FULL', 'EXTRA'];

const cleanup = new Cleanup();
try {
  const dir = mkdtempSync(join(tmpdir(), 'oat-bench-stores-'));
  cleanup.add('the SQLite temp dir', () => rmSync(dir, { recursive: true, force: true }), true);
  const contenders: Contender[] = [contender('memory', createMemoryTokenStore(), null)];

  const file = join(dir, 'tokens.db');
  const sqlite = openSqlite(file);
  cleanup.add('the SQLite connection', sqlite.close);
  contenders.push(contender('SQLite', sqlite.store, { kind: 'sqlite', file }));
  const pragma = (name: string): string => String(sqlite.db.pragma(name, { simple: true }));
  const sqliteInfo =
    `SQLite ${String(sqlite.db.prepare('SELECT sqlite_version()').pluck().get())} (better-sqlite3 ${packageVersion('better-sqlite3')}), ` +
    `journal_mode=${pragma('journal_mode')}, synchronous=${SYNCHRONOUS[Number(pragma('synchronous'))] ?? pragma('synchronous')}, busy_timeout=${pragma('busy_timeout')} ms, file in ${tmpdir()}`;

  let postgresInfo: string;
  const postgresStart = performance.now();
  const provision = provisionPostgres();
  if ('skipped' in provision) {
    postgresInfo = `PostgreSQL SKIPPED: ${provision.skipped}`;
  } else {
    cleanup.add('the PostgreSQL cluster', provision.stop, true);
    const schema = `oat_bench_${process.pid}_${Date.now().toString(36)}`;
    const postgres = openPostgres(provision.url, schema, CALLERS);
    cleanup.add('the PostgreSQL pool', postgres.close);
    try {
      cleanup.add(`schema ${schema}`, async () => void (await postgres.pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)));
      await migratePostgres(postgres.pool, { schema });
      const { rows } = await postgres.pool.query<Record<string, string>>(
        `SELECT current_setting('server_version') AS version, current_setting('fsync') AS fsync,
                current_setting('synchronous_commit') AS sync, current_setting('shared_buffers') AS buffers`,
      );
      const s = rows[0] as Record<string, string>;
      postgresInfo =
        `PostgreSQL ${s['version']} (pg ${packageVersion('pg')}), ${provision.origin}; fsync=${s['fsync']}, synchronous_commit=${s['sync']}, ` +
        `shared_buffers=${s['buffers']}; schema ${schema}, ready in ${seconds(postgresStart)}`;
      contenders.push(contender('PostgreSQL', postgres.store, { kind: 'postgres', url: provision.url, schema, connections: 1 }));
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
      postgresInfo = `PostgreSQL SKIPPED: could not use the server from ${provision.origin}: ${error instanceof Error ? error.message : String(error)}${cause}`;
    }
  }

  printTopic(
    'Stores',
    `The same token service (policy with a plan of 1,000,000 tokens, so the quota guard runs on every create and never refuses) over each store.\n\n` +
      `- ${sqliteInfo}\n- ${postgresInfo}\n- load average at topic start: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`,
  );
  if (postgresInfo.startsWith('PostgreSQL SKIPPED')) console.log(`\n**${postgresInfo}.** The other stores are measured.`);

  // Creates in this process.
  const createRows: Measured[] = [];
  for (const c of contenders) {
    createRows.push(await measureAsync(`${c.name}: ${CALLERS} callers in-process, one organization`, createLoop(c.service, Array(CALLERS).fill(CREATE_ONE)), CREATE_OPTIONS));
    if (c.target?.kind === 'postgres') {
      createRows.push(await measureAsync(`${c.name}: ${CALLERS} callers in-process, one organization each`, createLoop(c.service, CREATE_SPREAD), CREATE_OPTIONS));
    }
  }

  // Creates from writer processes, each with its own connection.
  const writerRows: Array<{ readonly row: Measured; readonly rounds: ReadonlyArray<Round> }> = [];
  const shared = contenders.filter((c) => c.target !== null);
  if (shared.length > 0) {
    const writersStart = performance.now();
    const writers = startWriters(CALLERS);
    cleanup.add('the writer processes', writers.stop);
    for (const c of shared) {
      for (const [label, organizations] of [
        ['one organization', [CREATE_ONE]],
        ['one organization each', CREATE_SPREAD],
      ] as const) {
        await writers.open(c.target as StoreTarget, organizations, 50);
        await writers.round(ROUND_MS);
        const rounds: Round[] = [];
        for (let r = 0; r < ROUNDS; r++) rounds.push(await writers.round(ROUND_MS));
        await writers.close();
        const failed = rounds.find((r) => r.failures > 0);
        if (rounds.some((r) => r.creates.every((n) => n === 0))) throw new Error(`${c.name}: a window without a single create (${failed?.firstFailure ?? 'no failure reported'})`);
        writerRows.push({ row: measuredFromRounds(`${c.name}: ${CALLERS} processes, ${label}`, rounds), rounds });
      }
    }
    await writers.stop();
    console.log(`\nWriter processes: ${CALLERS} forked, ${ROUNDS} measured windows of ${ROUND_MS} ms per row after one warm-up window; ${seconds(writersStart)} in all.`);
  }

  const memoryCreate = createRows[0] as Measured;
  printTable(
    `Creates under contention (service.create, ${CALLERS} at a time; ns/op is wall time per create of all callers together)`,
    [...createRows, ...writerRows.map((w) => w.row)],
    [{ label: 'memory', result: memoryCreate }],
  );
  console.log(
    '\nIn-process rows: tinybench samples, each a batch of at least 20 ms split over the callers. Process rows: one sample per window, ' +
      '"batch" is the creates of all processes in the median window.',
  );
  if (writerRows.length > 0) {
    printGrid(
      'Writer processes: creates per process over the measured windows',
      ['row', 'per process', 'smallest share', 'failed creates'],
      writerRows.map(({ row, rounds }) => {
        const per = Array.from({ length: CALLERS }, (_, i) => rounds.reduce((a, r) => a + (r.creates[i] ?? 0), 0));
        const total = per.reduce((a, b) => a + b, 0);
        const failures = rounds.reduce((a, r) => a + r.failures, 0);
        const first = rounds.find((r) => r.firstFailure !== null)?.firstFailure;
        return [row.name, per.join(' / '), `${((Math.min(...per) / total) * 100).toFixed(1)}% (fair: ${(100 / CALLERS).toFixed(1)}%)`, `${failures}${first === undefined ? '' : ` (${first})`}`];
      }),
    );
  }

  // Authentication over stored tokens, each store measured right after its warm pass.
  const authRows: Measured[] = [];
  const notes: string[] = [];
  for (const c of contenders) {
    const started = performance.now();
    const tokens = await storeTokens(c.service);
    const built = seconds(started);
    const warmStart = performance.now();
    const warmFailures = { n: 0 };
    await rotation(tokens, CALLERS, warmFailures, async (t) => (await c.service.authenticate(t.organization, t.secret)).ok)(tokens.length);
    if (warmFailures.n > 0) throw new Error(`${c.name}: ${warmFailures.n} stored tokens did not authenticate`);
    const warmed = seconds(warmStart);
    const touchesBefore = c.touches();
    const failures = { n: 0 };
    const authenticate = async (t: StoredToken): Promise<boolean> => (await c.service.authenticate(t.organization, t.secret)).ok;
    const lookup = async (t: StoredToken): Promise<boolean> => (await c.store.findBySecretHash(t.hash)) !== null;
    authRows.push(
      await measureAsync(`${c.name}: service.authenticate, 1 caller`, rotation(tokens, 1, failures, authenticate), AUTH_OPTIONS),
      await measureAsync(`${c.name}: service.authenticate, ${CALLERS} callers`, rotation(tokens, CALLERS, failures, authenticate), AUTH_OPTIONS),
      await measureAsync(`${c.name}: store.findBySecretHash only, 1 caller`, rotation(tokens, 1, failures, lookup), AUTH_OPTIONS),
    );
    if (failures.n > 0) throw new Error(`${c.name}: ${failures.n} authentications or lookups of stored tokens failed while measured`);
    notes.push(
      `${c.name}: ${STORED.toLocaleString('en-US')} tokens created in ${built}, each authenticated once (warm pass) in ${warmed}; ` +
        `last-used writes while measured: ${c.touches() - touchesBefore}`,
    );
  }
  printTable(
    `Authentications with ${STORED.toLocaleString('en-US')} stored tokens (100 organizations x 100), fixed random order, warm`,
    authRows,
    [{ label: 'memory', result: authRows[0] as Measured }],
  );
  console.log(`\n${notes.map((n) => `- ${n}`).join('\n')}`);

  // The ratios the numbers above support, side by side.
  const byName = new Map([...createRows, ...writerRows.map((w) => w.row), ...authRows].map((r) => [r.name, r]));
  const ratio = (label: string, row: string, peer: string): ReadonlyArray<string> | null => {
    const a = byName.get(row);
    const b = byName.get(peer);
    return a === undefined || b === undefined ? null : [label, formatRatio(speedup(a, b))];
  };
  const [inOne, inEach, procOne, procEach] = [
    `${CALLERS} callers in-process, one organization`,
    `${CALLERS} callers in-process, one organization each`,
    `${CALLERS} processes, one organization`,
    `${CALLERS} processes, one organization each`,
  ];
  const [auth1, auth4, lookup1] = ['service.authenticate, 1 caller', `service.authenticate, ${CALLERS} callers`, 'store.findBySecretHash only, 1 caller'];
  const lines = [
    ratio(`SQLite creates, one organization: ${CALLERS} processes vs ${CALLERS} callers in one process`, `SQLite: ${procOne}`, `SQLite: ${inOne}`),
    ratio(`SQLite creates, ${CALLERS} processes: one organization each vs all on one`, `SQLite: ${procEach}`, `SQLite: ${procOne}`),
    ratio(`PostgreSQL creates, in-process: one organization each vs all on one`, `PostgreSQL: ${inEach}`, `PostgreSQL: ${inOne}`),
    ratio(`PostgreSQL creates, ${CALLERS} processes: one organization each vs all on one`, `PostgreSQL: ${procEach}`, `PostgreSQL: ${procOne}`),
    ratio(`PostgreSQL creates, one organization: ${CALLERS} processes vs ${CALLERS} callers in one process`, `PostgreSQL: ${procOne}`, `PostgreSQL: ${inOne}`),
    ratio(`PostgreSQL creates, one organization each: ${CALLERS} processes vs ${CALLERS} callers in one process`, `PostgreSQL: ${procEach}`, `PostgreSQL: ${inEach}`),
    ...contenders.map((c) => ratio(`${c.name} authentications: ${CALLERS} callers vs 1`, `${c.name}: ${auth4}`, `${c.name}: ${auth1}`)),
    ...contenders.map((c) => ratio(`${c.name}: store lookup alone vs whole authenticate`, `${c.name}: ${lookup1}`, `${c.name}: ${auth1}`)),
  ].filter((l): l is ReadonlyArray<string> => l !== null);
  printGrid('Speed-ups within the run (rows of the tables above; above 1x, the first named is faster)', ['comparison', 'speed-up'], lines);

  console.log(`\n(sink ${sinkValue()}; load average at topic end ${loadavg().map((l) => l.toFixed(2)).join(' ')}; measured in ${(performance.now() / 1000).toFixed(1)} s)`);
} finally {
  await cleanup.run();
}
