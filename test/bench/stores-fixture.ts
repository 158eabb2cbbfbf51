/**
 * Set-up for the stores topic: one token service over each store (memory,
 * SQLite on a WAL file, PostgreSQL on a fresh schema), a throwaway PostgreSQL
 * cluster when `OAT_TEST_PG_URL` is not set, clean-up that also runs on
 * Ctrl-C, and the writer child processes of the multi-process create runs.
 *
 * Run as a script (forked with an IPC channel by {@link startWriters}), this
 * file is one such writer: it opens its own connection (SQLite) or pool
 * (PostgreSQL), as a separate application instance would, and creates tokens
 * through the service in a loop for each timed window the parent names.
 */
import { fork, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import {
  createPolicy,
  createTokenService,
  isOatError,
  type CreateTokenRequest,
  type OrganizationDirectory,
  type OrganizationProfile,
  type TokenPolicy,
  type TokenService,
  type TokenStore,
} from '../../src/index.js';
import { createPostgresTokenStore } from '../../src/postgres/index.js';
import { createSqliteTokenStore, migrate as migrateSqlite } from '../../src/sqlite/index.js';
import { naiveStore } from './naive-store.js';

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root, where `.ci/postgres.sh` lives. */
export const ROOT = resolve(here, '../..');

/** The quota of the race rows: the Business plan's 100 tokens. */
export const RACE_LIMIT = 100;
/**
 * Two plans: `bench`, big enough that no timed create meets the quota (the
 * guard runs, it never refuses), and `race`, of {@link RACE_LIMIT} tokens.
 */
export const STORES_POLICY: TokenPolicy = createPolicy({
  plans: { bench: { maxTokens: 1_000_000 }, race: { maxTokens: RACE_LIMIT } },
});
/** Owner of every organization of the topic. */
export const ACTOR = Object.freeze({ username: 'owner' });
/** Organizations that hold the stored tokens of the authentication runs. */
export const AUTH_ORGS: ReadonlyArray<string> = Array.from({ length: 100 }, (_, i) => `auth-${i}`);

const profiles = new Map<string, OrganizationProfile>();
/**
 * Knows every organization a round may name, so each round can start on a
 * fresh one: names starting `race-` are on the `race` plan, all others on
 * `bench`. The same frozen profile for a name every time, in every process.
 */
const DIRECTORY: OrganizationDirectory = {
  get(name) {
    let profile = profiles.get(name);
    if (profile === undefined) {
      profile = Object.freeze({
        id: name,
        name,
        plan: name.startsWith('race-') ? 'race' : 'bench',
        owners: Object.freeze([ACTOR.username]),
      });
      profiles.set(name, profile);
    }
    return profile;
  },
};

const inputs = new Map<string, CreateTokenRequest>();
/** A create request granting pull and push on one repository of `organization`; one shared object per organization. */
export function createInput(organization: string): CreateTokenRequest {
  const known = inputs.get(organization);
  if (known !== undefined) return known;
  const input: CreateTokenRequest = Object.freeze({
    label: 'bench',
    resources: [
      { type: 'repository' as const, path: `${organization}/app`, scopes: ['scope-image-pull', 'scope-image-push'] },
    ],
  });
  inputs.set(organization, input);
  return input;
}

/**
 * The token service every contender runs: the same policy, organizations and (default) hasher; only the store differs.
 */
export function serviceOver(store: TokenStore): TokenService {
  return createTokenService({ store, policy: STORES_POLICY, organizations: DIRECTORY });
}

/** Where a store keeps its data, enough for a child process to open its own connection. */
export type StoreTarget =
  | { readonly kind: 'sqlite'; readonly file: string }
  | {
      readonly kind: 'postgres';
      readonly url: string;
      readonly schema: string;
      readonly connections: number;
      readonly naive: boolean;
    };

/** An open store and how to let go of it. */
export interface OpenedStore {
  readonly store: TokenStore;
  close(): Promise<void>;
}

/** Opens a SQLite database file, runs `migrate` (WAL, busy timeout, schema), and builds the store on it. */
export function openSqlite(file: string): OpenedStore & { readonly db: Database.Database } {
  const db = new Database(file);
  migrateSqlite(db);
  return { db, store: createSqliteTokenStore(db), close: async () => void db.close() };
}

/** Opens a pool of `connections` and builds the store on an already migrated schema. */
export function openPostgres(
  url: string,
  schema: string,
  connections: number,
): OpenedStore & { readonly pool: pg.Pool } {
  const pool = new pg.Pool({ connectionString: url, max: connections });
  // An idle client dying (the cluster stopping first) must not crash the topic.
  pool.on('error', () => undefined);
  return { pool, store: createPostgresTokenStore(pool, { schema }), close: () => pool.end() };
}

function openTarget(target: StoreTarget): OpenedStore {
  if (target.kind === 'sqlite') return openSqlite(target.file);
  const opened = openPostgres(target.url, target.schema, target.connections);
  return target.naive ? { store: naiveStore(opened.store, opened.pool, target.schema), close: opened.close } : opened;
}

/** The installed version of a package of `node_modules`. */
export function packageVersion(name: string): string {
  return (JSON.parse(readFileSync(resolve(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string })
    .version;
}

/**
 * Steps that undo what the topic set up, run newest first: at the end of a
 * normal run, after a failure, and on SIGINT or SIGTERM (the runner's Ctrl-C
 * reaches this process too), so no cluster, schema, file or child outlives it.
 * Synchronous steps also run on `exit`, in case the process dies on an error
 * nobody caught before the asynchronous ones got their turn.
 */
export class Cleanup {
  private readonly steps: Array<{
    readonly what: string;
    readonly run: () => void | Promise<void>;
    readonly sync: boolean;
  }> = [];
  private running: Promise<void> | null = null;

  constructor() {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        console.error(`\n${signal}: cleaning up`);
        void this.run().finally(() => process.exit(130));
      });
    }
    process.once('exit', () => {
      for (let step = this.steps.pop(); step !== undefined; step = this.steps.pop()) {
        if (!step.sync) continue;
        try {
          void step.run();
        } catch (error) {
          console.error(`clean-up of ${step.what} failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    });
  }

  /** Registers a step; `sync` when `run` finishes its work before it returns (spawnSync, rmSync). */
  add(what: string, run: () => void | Promise<void>, sync = false): void {
    this.steps.push({ what, run, sync });
  }

  /** Runs every step once; a second caller (a signal during the normal clean-up) waits for the same run. */
  run(): Promise<void> {
    this.running ??= (async () => {
      for (let step = this.steps.pop(); step !== undefined; step = this.steps.pop()) {
        try {
          await step.run();
        } catch (error) {
          console.error(`clean-up of ${step.what} failed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    })();
    return this.running;
  }
}

/** A PostgreSQL server to measure against, or why there is none. */
export type PostgresProvision =
  | { readonly url: string; readonly origin: string; readonly stop: () => void }
  | { readonly skipped: string };

/**
 * Uses `OAT_TEST_PG_URL` when set; otherwise starts a throwaway cluster with
 * `.ci/postgres.sh start` (which may install Debian's `postgresql` as root)
 * and hands back how to stop and remove it.
 */
export function provisionPostgres(): PostgresProvision {
  const given = process.env['OAT_TEST_PG_URL'];
  if (given !== undefined && given !== '') return { url: given, origin: 'OAT_TEST_PG_URL', stop: () => undefined };
  const started = spawnSync('bash', ['.ci/postgres.sh', 'start'], { cwd: ROOT, encoding: 'utf8', timeout: 100_000 });
  const exported = new Map<string, string>();
  for (const line of (started.stdout ?? '').split('\n')) {
    const match = /^export (\w+)=(.*)$/.exec(line.trim());
    if (match !== null) exported.set(match[1] as string, (match[2] as string).replace(/^'(.*)'$/, '$1'));
  }
  const url = exported.get('OAT_TEST_PG_URL');
  const dir = exported.get('OAT_PG_DIR');
  if (started.status !== 0 || url === undefined || dir === undefined) {
    const why =
      started.error?.message ??
      (started.stderr ?? '')
        .trim()
        .split('\n')
        .filter((l) => l !== '')
        .slice(-1)[0] ??
      `exit ${started.status}`;
    return { skipped: `OAT_TEST_PG_URL is not set and \`bash .ci/postgres.sh start\` failed: ${why}` };
  }
  return {
    url,
    origin: 'a throwaway cluster started by .ci/postgres.sh',
    stop: () => {
      const stopped = spawnSync('bash', ['.ci/postgres.sh', 'stop'], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, OAT_PG_DIR: dir },
        timeout: 60_000,
      });
      if (stopped.status !== 0) throw new Error(`postgres.sh stop failed: ${(stopped.stderr ?? '').trim()}`);
    },
  };
}

/** What the writers did in one timed window. */
export interface Round {
  /** Creates each writer completed inside the window. */
  readonly creates: ReadonlyArray<number>;
  readonly seconds: number;
  /** Creates the quota guard refused (`QUOTA_EXCEEDED`). */
  readonly refused: number;
  /** Creates that threw anything else (for example SQLITE_BUSY past the busy timeout). */
  readonly failures: number;
  readonly firstFailure: string | null;
}

type Command =
  | { readonly type: 'open'; readonly target: StoreTarget; readonly organization: string; readonly warm: number }
  | { readonly type: 'round'; readonly startAt: number; readonly endAt: number }
  | { readonly type: 'burst'; readonly startAt: number; readonly attempts: number }
  | { readonly type: 'close' }
  | { readonly type: 'exit' };

type Report =
  | { readonly type: 'ready' }
  | {
      readonly type: 'done';
      readonly creates: number;
      readonly refused: number;
      readonly failures: number;
      readonly firstFailure: string | null;
    }
  | { readonly type: 'closed' }
  | { readonly type: 'failed'; readonly message: string };

/** Writer processes of the multi-process runs, driven in lock step. */
export interface Writers {
  /** Every writer opens its own connection to `target` and warms up with `warm` creates on its organization. */
  open(target: StoreTarget, organizations: ReadonlyArray<string>, warm: number): Promise<void>;
  /** Every writer creates in a loop from a common start to a common end, `ms` long. */
  round(ms: number): Promise<Round>;
  /** Every writer starts `attempts` creates at once from a common start, over its pool's connections. */
  burst(attempts: number): Promise<Round>;
  close(): Promise<void>;
  /** Ends every writer; kills any that do not leave within a few seconds. */
  stop(): Promise<void>;
}

/** Forks `count` writers (`node --import tsx` on this file) and waits until each is listening. */
export function startWriters(count: number): Writers {
  const file = fileURLToPath(import.meta.url);
  const children: ChildProcess[] = [];
  const queues: Report[][] = [];
  const wakers: Array<(() => void) | null> = [];
  for (let i = 0; i < count; i++) {
    const child = fork(file, [], {
      cwd: ROOT,
      execArgv: ['--import', 'tsx', '--import', fileURLToPath(new URL('./cpu-report.ts', import.meta.url))],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const queue: Report[] = [];
    children.push(child);
    queues.push(queue);
    wakers.push(null);
    const wake = (): void => {
      const w = wakers[i];
      wakers[i] = null;
      w?.();
    };
    child.on('message', (report: Report) => {
      queue.push(report);
      wake();
    });
    child.on('exit', wake);
    // A send to a writer that already left fails here instead of crashing the topic; `next` then reports the exit.
    child.on('error', wake);
  }
  const next = async <T extends Report['type']>(i: number, type: T): Promise<Extract<Report, { type: T }>> => {
    const child = children[i] as ChildProcess;
    const queue = queues[i] as Report[];
    for (;;) {
      const report = queue.shift();
      if (report?.type === 'failed') throw new Error(`writer ${i} failed: ${report.message}`);
      if (report !== undefined) {
        if (report.type !== type)
          throw new Error(`writer ${i} reported ${report.type} while the topic waited for ${type}`);
        return report as Extract<Report, { type: T }>;
      }
      if (child.exitCode !== null || child.signalCode !== null)
        throw new Error(`writer ${i} exited (${child.exitCode ?? child.signalCode}) before ${type}`);
      await new Promise<void>((wake) => (wakers[i] = wake));
    }
  };
  const all = <T extends Report['type']>(type: T): Promise<Array<Extract<Report, { type: T }>>> =>
    Promise.all(children.map((_, i) => next(i, type)));
  const send = (i: number, command: Command): void => {
    const child = children[i];
    if (child?.connected === true) child.send(command);
  };

  const summary = (done: ReadonlyArray<Extract<Report, { type: 'done' }>>, seconds: number): Round => ({
    creates: done.map((d) => d.creates),
    seconds,
    refused: done.reduce((a, d) => a + d.refused, 0),
    failures: done.reduce((a, d) => a + d.failures, 0),
    firstFailure: done.find((d) => d.firstFailure !== null)?.firstFailure ?? null,
  });

  return {
    async open(target, organizations, warm) {
      children.forEach((_, i) =>
        send(i, { type: 'open', target, organization: organizations[i % organizations.length] as string, warm }),
      );
      await all('ready');
    },
    async round(ms) {
      // A common start a little ahead, so every writer has the message before the window opens.
      const startAt = Date.now() + 50;
      const endAt = startAt + ms;
      children.forEach((_, i) => send(i, { type: 'round', startAt, endAt }));
      return summary(await all('done'), ms / 1000);
    },
    async burst(attempts) {
      const startAt = Date.now() + 50;
      children.forEach((_, i) => send(i, { type: 'burst', startAt, attempts }));
      return summary(await all('done'), 0);
    },
    async close() {
      children.forEach((_, i) => send(i, { type: 'close' }));
      await all('closed');
    },
    async stop() {
      await Promise.all(
        children.map(async (child) => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          const exited = once(child, 'exit');
          if (child.connected) child.send({ type: 'exit' } satisfies Command);
          const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
          await exited;
          clearTimeout(timer);
        }),
      );
    },
  };
}

/** One create, tallied: made, refused by the quota guard, or failed otherwise; true when made. */
async function attempt(
  service: TokenService,
  organization: string,
  input: CreateTokenRequest,
  tally: { creates: number; refused: number; failures: number; firstFailure: string | null },
): Promise<boolean> {
  try {
    await service.create(ACTOR, organization, input);
    tally.creates++;
    return true;
  } catch (error) {
    if (isOatError(error) && error.code === 'QUOTA_EXCEEDED') tally.refused++;
    else {
      tally.failures++;
      tally.firstFailure ??= error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
    return false;
  }
}

/** The writer's side: one store and service at a time, creates in timed windows or bursts. */
function runWriter(): void {
  const send = (report: Report): void => void process.send?.(report);
  let opened: { readonly store: OpenedStore; readonly service: TokenService; readonly organization: string } | null =
    null;
  const closeStore = async (): Promise<void> => {
    const current = opened;
    opened = null;
    await current?.store.close();
  };
  const handle = async (command: Command): Promise<void> => {
    switch (command.type) {
      case 'open': {
        await closeStore();
        const store = openTarget(command.target);
        const service = serviceOver(store.store);
        opened = { store, service, organization: command.organization };
        for (let i = 0; i < command.warm; i++)
          await service.create(ACTOR, command.organization, createInput(command.organization));
        send({ type: 'ready' });
        return;
      }
      case 'round': {
        if (opened === null) throw new Error('round before open');
        const { service, organization } = opened;
        const input = createInput(organization);
        await new Promise((wake) => setTimeout(wake, Math.max(0, command.startAt - Date.now())));
        const tally = { creates: 0, refused: 0, failures: 0, firstFailure: null as string | null };
        while (Date.now() < command.endAt) {
          // Only creates that finished inside the window count.
          if ((await attempt(service, organization, input, tally)) && Date.now() > command.endAt) tally.creates--;
        }
        send({ type: 'done', ...tally });
        return;
      }
      case 'burst': {
        if (opened === null) throw new Error('burst before open');
        const { service, organization } = opened;
        const input = createInput(organization);
        await new Promise((wake) => setTimeout(wake, Math.max(0, command.startAt - Date.now())));
        const tally = { creates: 0, refused: 0, failures: 0, firstFailure: null as string | null };
        // All at once, over as many connections as the writer's pool holds: the race a quota guard must survive.
        await Promise.all(Array.from({ length: command.attempts }, () => attempt(service, organization, input, tally)));
        send({ type: 'done', ...tally });
        return;
      }
      case 'close':
        await closeStore();
        send({ type: 'closed' });
        return;
      case 'exit':
        await closeStore();
        process.exit(0);
    }
  };
  // Commands arrive one at a time and each is answered before the next is sent; chain them anyway.
  let chain = Promise.resolve();
  process.on('message', (command: Command) => {
    chain = chain
      .then(() => handle(command))
      .catch((error: unknown) =>
        send({ type: 'failed', message: error instanceof Error ? error.message : String(error) }),
      );
  });
  // The parent died or let go: leave rather than linger.
  process.on('disconnect', () => void closeStore().finally(() => process.exit(0)));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) runWriter();
