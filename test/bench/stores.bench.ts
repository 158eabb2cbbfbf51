/**
 * Topic 5, stores: the same token service over the memory store, SQLite (a
 * WAL file in a temp dir) and PostgreSQL (a fresh schema), with PostgreSQL's
 * guarded create set against the naive `INSERT … SELECT count` guard on the
 * same table, pool and harness. Every comparison is interleaved in rounds.
 *
 * - Creates in this process: 8 callers on one organization per store.
 * - Creates from 8 writer processes, each with its own connection, all on one
 *   organization (a fresh one per round), in timed windows.
 * - Races: the 8 processes, 4 connections each, try twice the quota of a
 *   fresh organization at once; whatever lands beyond the quota is overshoot.
 * - Authentication over stored tokens, and the store's lookup alone.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createMemoryTokenStore, sha256Hasher, type TokenService, type TokenStore } from '../../src/index.js';
import { migrate as migratePostgres } from '../../src/postgres/index.js';
import { loginAccepted } from './api.js';
import { formatNs, formatRatio, printGrid, printTopic, shuffled } from './harness.js';
import { liveRows, naiveStore } from './naive-store.js';
import {
  interleave,
  printInterleaved,
  printTargets,
  ratioTarget,
  reported,
  roundsSink,
  spreadOf,
  type Loop,
  type TargetLine,
} from './rounds.js';
import { QUICK_NOTE, SETTINGS } from './settings.js';
import {
  ACTOR,
  AUTH_ORGS,
  Cleanup,
  createInput,
  openPostgres,
  openSqlite,
  packageVersion,
  provisionPostgres,
  RACE_LIMIT,
  serviceOver,
  startWriters,
  type Round,
  type StoreTarget,
} from './stores-fixture.js';

const CALLERS = 8;
const WRITERS = SETTINGS.writers;
const STORED = SETTINGS.quick ? 1_000 : 5_000;
const WARM_CREATES = 5;
/** Connections of each writer in a race: with 8 writers, 32 creates in flight at once. */
const RACE_CONNECTIONS = 4;

interface Contender {
  readonly name: string;
  readonly service: TokenService;
  readonly store: TokenStore;
  /** How a writer process opens its own connection; none for the memory store. */
  readonly target: StoreTarget | null;
}

/** `k` creates on `organization` split over {@link CALLERS} callers in flight at once. */
function createLoop(service: TokenService, organization: string): Loop {
  const input = createInput(organization);
  return async (k) => {
    let done = 0;
    await Promise.all(
      Array.from({ length: CALLERS }, async (_, w) => {
        for (let i = w; i < k; i += CALLERS) {
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

/**
 * Creates {@link STORED} tokens spread over 100 organizations, 8 at a time, and returns them in a fixed shuffled order.
 */
async function storeTokens(service: TokenService): Promise<StoredToken[]> {
  const hasher = sha256Hasher();
  const made: StoredToken[] = [];
  let next = 0;
  const caller = async (): Promise<void> => {
    while (next < STORED) {
      const organization = AUTH_ORGS[next++ % AUTH_ORGS.length] as string;
      const secret = (await service.create(ACTOR, organization, createInput(organization))).secret.reveal();
      made.push({ organization, secret, hash: hasher.hash(secret) });
    }
  };
  await Promise.all(Array.from({ length: 8 }, caller));
  return shuffled(made, 11);
}

/** `k` operations over the tokens in their fixed order, one at a time; counts failures. */
function rotation(
  tokens: ReadonlyArray<StoredToken>,
  failures: { n: number },
  op: (t: StoredToken) => Promise<boolean>,
): Loop {
  let cursor = 0;
  return async (k) => {
    let ok = 0;
    for (let j = 0; j < k; j++) {
      if (await op(tokens[cursor] as StoredToken)) ok++;
      else failures.n++;
      cursor = cursor + 1 === tokens.length ? 0 : cursor + 1;
    }
    return ok;
  };
}

const seconds = (since: number): string => `${((performance.now() - since) / 1000).toFixed(1)} s`;
const SYNCHRONOUS = ['OFF', 'NORMAL', 'FULL', 'EXTRA'];
const slug = (name: string): string => name.toLowerCase().replace(/[^a-z0-9]+/g, '-');

const cleanup = new Cleanup();
try {
  const dir = mkdtempSync(join(tmpdir(), 'oat-bench-stores-'));
  cleanup.add('the SQLite temp dir', () => rmSync(dir, { recursive: true, force: true }), true);
  const contenders: Contender[] = [];
  const memory = createMemoryTokenStore();
  contenders.push({ name: 'memory', store: memory, service: serviceOver(memory), target: null });
  const file = join(dir, 'tokens.db');
  const sqlite = openSqlite(file);
  cleanup.add('the SQLite connection', sqlite.close);
  contenders.push({
    name: 'SQLite',
    store: sqlite.store,
    service: serviceOver(sqlite.store),
    target: { kind: 'sqlite', file },
  });
  const pragma = (name: string): string => String(sqlite.db.pragma(name, { simple: true }));
  const sqliteInfo =
    `SQLite ${String(sqlite.db.prepare('SELECT sqlite_version()').pluck().get())} (better-sqlite3 ` +
    `${packageVersion('better-sqlite3')}), ` +
    `journal_mode=${pragma('journal_mode')}, ` +
    `synchronous=${SYNCHRONOUS[Number(pragma('synchronous'))] ?? pragma('synchronous')}, ` +
    `busy_timeout=${pragma('busy_timeout')} ms, file in ${tmpdir()}`;

  let postgresInfo: string;
  let postgres: ReturnType<typeof openPostgres> | null = null;
  let schema = '';
  const postgresStart = performance.now();
  const provision = provisionPostgres();
  if ('skipped' in provision) {
    postgresInfo = `PostgreSQL SKIPPED: ${provision.skipped}`;
  } else {
    cleanup.add('the PostgreSQL cluster', provision.stop, true);
    schema = `oat_bench_${process.pid}_${Date.now().toString(36)}`;
    const pool = openPostgres(provision.url, schema, CALLERS);
    cleanup.add('the PostgreSQL pool', pool.close);
    try {
      cleanup.add(
        `schema ${schema}`,
        async () => void (await pool.pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)),
      );
      await migratePostgres(pool.pool, { schema });
      const { rows } = await pool.pool.query<Record<string, string>>(
        `SELECT current_setting('server_version') AS version, current_setting('fsync') AS fsync,
                current_setting('synchronous_commit') AS sync, current_setting('shared_buffers') AS buffers,
                current_setting('transaction_isolation') AS isolation`,
      );
      const s = rows[0] as Record<string, string>;
      postgresInfo =
        `PostgreSQL ${s['version']} (pg ${packageVersion('pg')}), ${provision.origin}; fsync=${s['fsync']}, ` +
        `synchronous_commit=${s['sync']}, ` +
        `shared_buffers=${s['buffers']}, default isolation ${s['isolation']}; schema ${schema}, ready in ` +
        `${seconds(postgresStart)}`;
      postgres = pool;
      const naive = naiveStore(pool.store, pool.pool, schema);
      contenders.push({
        name: 'PostgreSQL',
        store: pool.store,
        service: serviceOver(pool.store),
        target: { kind: 'postgres', url: provision.url, schema, connections: 1, naive: false },
      });
      contenders.push({
        name: 'PostgreSQL naive',
        store: naive,
        service: serviceOver(naive),
        target: { kind: 'postgres', url: provision.url, schema, connections: 1, naive: true },
      });
    } catch (error) {
      const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
      postgresInfo =
        `PostgreSQL SKIPPED: could not use the server from ${provision.origin}: ` +
        `${error instanceof Error ? error.message : String(error)}${cause}`;
    }
  }

  printTopic(
    'Stores',
    `The same token service over each store; "PostgreSQL naive" is the PostgreSQL store with its guarded ` +
      `insert replaced by one ` +
      `\`INSERT … SELECT … WHERE (SELECT count(*) …) < limit\` on the same table and pool. Every comparison ` +
      `is interleaved in rounds.${QUICK_NOTE}\n\n` +
      `- ${sqliteInfo}\n- ${postgresInfo}\n- load average at topic start: ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
  );
  if (postgres === null) console.log(`\n**${postgresInfo}.** The other stores are measured.`);
  const targets: TargetLine[] = [];

  // Creates in this process, each store on its own organization.
  const inProcess = await interleave(
    contenders.map((c) => ({
      name: `${c.name}: ${CALLERS} callers in-process, one organization`,
      loop: createLoop(c.service, `inproc-${slug(c.name)}`),
    })),
    { batchMs: 20 },
  );
  printInterleaved(
    `Creates in one process (service.create, ${CALLERS} in flight; ns/op is wall time per create)`,
    inProcess,
    [0],
  );

  // Creates from writer processes, interleaved by window; each window on a fresh organization.
  const shared = contenders.filter((c) => c.target !== null);
  const windows = new Map<string, Round[]>(shared.map((c) => [c.name, []]));
  const races = new Map<string, Array<{ readonly live: number; readonly round: Round }>>(
    shared.filter((c) => c.target?.kind === 'postgres').map((c) => [c.name, []]),
  );
  if (shared.length > 0) {
    const writersStart = performance.now();
    const writers = startWriters(WRITERS);
    cleanup.add('the writer processes', writers.stop);
    for (let r = -1; r < SETTINGS.writerRounds; r++) {
      // Round -1 warms every contender up and is not kept.
      const order = r % 2 === 0 ? [...shared] : [...shared].reverse();
      for (const c of order) {
        await writers.open(c.target as StoreTarget, [`rate-${slug(c.name)}-${r + 1}`], WARM_CREATES);
        const window = await writers.round(SETTINGS.writerWindowMs);
        await writers.close();
        // A window may end before a create does (a loaded machine, a lock queue): that is a rate of 0, not a fault.
        if (window.failures > 0)
          throw new Error(`${c.name}: ${window.failures} creates failed (${window.firstFailure ?? 'no message'})`);
        if (r >= 0) windows.get(c.name)?.push(window);
      }
      for (const c of order) {
        const kept = races.get(c.name);
        if (kept === undefined || postgres === null || r < 0) continue;
        const organization = `race-${slug(c.name)}-${r}`;
        await writers.open(
          { ...(c.target as Extract<StoreTarget, { kind: 'postgres' }>), connections: RACE_CONNECTIONS },
          [organization],
          0,
        );
        const burst = await writers.burst(Math.ceil((2 * RACE_LIMIT) / WRITERS));
        await writers.close();
        kept.push({ live: await liveRows(postgres.pool, schema, organization), round: burst });
      }
    }
    await writers.stop();
    console.log(
      `\nWriter processes: ${WRITERS} forked; ${SETTINGS.writerRounds} measured windows of ` +
        `${SETTINGS.writerWindowMs} ms per contender after one warm-up window, ` +
        `interleaved, each on a fresh organization after ${WARM_CREATES} warm-up creates per process; ` +
        `${seconds(writersStart)} in all.`,
    );
  }
  // Infinite for a window without a create.
  const perCreate = (w: Round): number => (w.seconds * 1e9) / w.creates.reduce((a, b) => a + b, 0);
  if (windows.size > 0) {
    const names = [...windows.keys()];
    for (const [name, ws] of windows)
      if (ws.every((w) => w.creates.every((n) => n === 0)))
        throw new Error(`${name}: not a single create in any window`);
    printGrid(
      `Creates from ${WRITERS} processes on one organization (ns per create: window over the creates of all processes)`,
      [
        'contender',
        'ns/create (median of windows)',
        'min–max',
        'creates per window (median)',
        'smallest process share',
        'failed',
        ...names.map((n) => `vs ${n}`),
      ],
      names.map((name) => {
        const ws = windows.get(name) as Round[];
        const ns = spreadOf(ws.map(perCreate));
        const per = Array.from({ length: WRITERS }, (_, i) => ws.reduce((a, w) => a + (w.creates[i] ?? 0), 0));
        const total = per.reduce((a, b) => a + b, 0);
        return [
          name,
          formatNs(ns.median),
          `${formatNs(ns.min)}–${formatNs(ns.max)}`,
          String(spreadOf(ws.map((w) => w.creates.reduce((a, b) => a + b, 0))).median),
          `${((Math.min(...per) / total) * 100).toFixed(1)}% (fair ${(100 / WRITERS).toFixed(1)}%)`,
          String(ws.reduce((a, w) => a + w.failures, 0)),
          ...names.map((peer) => {
            const s = spreadOf(ws.map((w, r) => perCreate((windows.get(peer) as Round[])[r] as Round) / perCreate(w)));
            return `${formatRatio(s.median)} (${formatRatio(s.min)}–${formatRatio(s.max)})`;
          }),
        ];
      }),
    );
    const ours = windows.get('PostgreSQL');
    const naive = windows.get('PostgreSQL naive');
    if (ours !== undefined && naive !== undefined) {
      targets.push(
        ratioTarget(
          `PostgreSQL create, ${WRITERS} processes on one organization, vs the naive INSERT … SELECT count`,
          spreadOf(ours.map((w, r) => perCreate(naive[r] as Round) / perCreate(w))),
          0.8,
        ),
      );
    }
  }
  if (races.size > 0) {
    printGrid(
      `Races: ${WRITERS} processes start ${Math.ceil((2 * RACE_LIMIT) / WRITERS)} creates each at once ` +
        `(${RACE_CONNECTIONS} connections per process) on a fresh organization with a quota of ${RACE_LIMIT}`,
      ['contender', 'tokens stored per round', 'overshoot per round', 'refused (QUOTA_EXCEEDED)', 'other failures'],
      [...races].map(([name, rs]) => [
        name,
        rs.map((x) => x.live).join(' / '),
        rs.map((x) => Math.max(0, x.live - RACE_LIMIT)).join(' / '),
        rs.map((x) => x.round.refused).join(' / '),
        String(rs.reduce((a, x) => a + x.round.failures, 0)),
      ]),
    );
    for (const [name, rs] of races) {
      const over = rs.map((x) => Math.max(0, x.live - RACE_LIMIT));
      const line = {
        what: `${name}: tokens beyond the quota of ${RACE_LIMIT}, ${WRITERS} processes racing`,
        median: String(spreadOf(over).median),
        range: `${Math.min(...over)}–${Math.max(...over)}`,
      };
      targets.push(
        name === 'PostgreSQL'
          ? { ...line, goal: '0 in every round', met: Math.max(...over) === 0 }
          : { ...line, goal: 'reported', met: undefined },
      );
    }
  }

  // Authentication over stored tokens.
  const authLoops: Array<{ name: string; loop: Loop }> = [];
  const notes: string[] = [];
  const failures = { n: 0 };
  for (const c of contenders.filter((x) => x.name !== 'PostgreSQL naive')) {
    const started = performance.now();
    const tokens = await storeTokens(c.service);
    const built = seconds(started);
    const warmStart = performance.now();
    // 8 callers, as the tokens were created: a round-trip-bound store warms up in an eighth of the time.
    let warmed = 0;
    const warmCaller = async (): Promise<void> => {
      while (warmed < tokens.length) {
        const t = tokens[warmed++] as StoredToken;
        if (!loginAccepted(await c.service.authenticate(t.organization, t.secret)))
          throw new Error(`${c.name}: a stored token did not authenticate`);
      }
    };
    await Promise.all(Array.from({ length: 8 }, warmCaller));
    await c.service.flush();
    notes.push(
      `${c.name}: ${STORED.toLocaleString('en-US')} tokens created in ${built}, each authenticated once (warm ` +
        `pass, 8 callers) in ${seconds(warmStart)}`,
    );
    authLoops.push(
      {
        name: `${c.name}: service.authenticate`,
        loop: rotation(tokens, failures, async (t) =>
          loginAccepted(await c.service.authenticate(t.organization, t.secret)),
        ),
      },
      {
        name: `${c.name}: store.findBySecretHash only`,
        loop: rotation(tokens, failures, async (t) => (await c.store.findBySecretHash(t.hash)) !== null),
      },
    );
  }
  const auth = await interleave(authLoops, { batchMs: 20 });
  if (failures.n > 0)
    throw new Error(`${failures.n} authentications or lookups of stored tokens failed while measured`);
  printInterleaved(
    `Authentications with ${STORED.toLocaleString('en-US')} stored tokens (100 organizations), one caller, ` +
      `fixed random order, warm`,
    auth,
    [0],
  );
  console.log(`\n${notes.map((n) => `- ${n}`).join('\n')}`);
  for (let c = 2; c < auth.names.length; c += 2) targets.push(reported(`${auth.names[c]} vs memory`, auth.ratio(c, 0)));
  const pgIn = inProcess.names.findIndex((n) => n.startsWith('PostgreSQL:'));
  const naiveIn = inProcess.names.findIndex((n) => n.startsWith('PostgreSQL naive:'));
  if (pgIn >= 0 && naiveIn >= 0)
    targets.push(
      reported(`PostgreSQL create vs naive, ${CALLERS} callers in one process`, inProcess.ratio(pgIn, naiveIn)),
    );
  printTargets('Stores targets', targets);

  console.log(
    `\n(sink ${roundsSink()}; load average at topic end ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}; measured in ${(performance.now() / 1000).toFixed(1)} s)`,
  );
} finally {
  await cleanup.run();
}
