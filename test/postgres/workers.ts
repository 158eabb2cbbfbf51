import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import type { Command, Report, Strategy } from './protocol.js';

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A worker child process and the reports it sent that nobody has taken yet. */
export interface Worker {
  readonly child: ChildProcess;
  send(command: Command): void;
  /** The next report of `type` (earlier ones of other types are dropped); rejects if the worker fails or dies first. */
  next<T extends Report['type']>(type: T): Promise<Extract<Report, { type: T }>>;
}

/** Starts `node --import tsx test/postgres/worker.ts` with an IPC channel. */
export function startWorker(): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const queue: Report[] = [];
  const waiters: Array<() => void> = [];
  child.on('message', (report: Report) => {
    queue.push(report);
    for (const wake of waiters.splice(0)) wake();
  });
  let exited = false;
  child.on('exit', () => {
    exited = true;
    for (const wake of waiters.splice(0)) wake();
  });
  // A send racing the child's exit would otherwise surface as an unhandled 'error' event.
  child.on('error', () => undefined);
  return {
    child,
    send(command) {
      if (!child.connected)
        throw new Error(
          `worker ${child.pid} is gone (code ${child.exitCode}, signal ${child.signalCode}); cannot send ` +
            `${command.type}`,
        );
      child.send(command);
    },
    async next(type) {
      for (;;) {
        const index = queue.findIndex((r) => r.type === type || r.type === 'failed');
        if (index >= 0) {
          const [report] = queue.splice(0, index + 1).slice(-1);
          if (report?.type === 'failed') throw new Error(`worker ${child.pid} failed: ${report.message}`);
          return report as Extract<Report, { type: typeof type }>;
        }
        if (exited)
          throw new Error(
            `worker ${child.pid} exited (code ${child.exitCode}, signal ${child.signalCode}) before reporting ${type}`,
          );
        await new Promise<void>((wake) => waiters.push(wake));
      }
    },
  };
}

/** How long a worker asked to exit may take before it is killed. */
const EXIT_GRACE_MS = 5_000;

/** Asks a worker to leave and waits until it has; kills it if it has not left within a grace period. */
export async function stopWorker(worker: Worker): Promise<void> {
  const { child } = worker;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  if (child.connected) child.send({ type: 'exit' });
  else child.kill('SIGKILL');
  // A worker busy in a race or a churn may never get to the exit: a stuck one must not hang the suite.
  const timer = setTimeout(() => child.kill('SIGKILL'), EXIT_GRACE_MS);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

/** One race: how many creates each worker's pool made, and how many the store let through. */
export interface RaceResult {
  readonly inserted: number;
  readonly refused: number;
  readonly failures: ReadonlyArray<string>;
}

/** Parameters of {@link race}. */
export interface RaceSpec {
  readonly url: string;
  readonly schema: string;
  readonly organization: string;
  readonly limit: number;
  readonly strategy: Strategy;
  /** Creates across all workers, split evenly. */
  readonly creates: number;
  readonly connectionsPerWorker: number;
  /** First sequence number; the race uses `creates` numbers from here (record ids and hashes derive from them). */
  readonly firstSeq: number;
}

// Any key no other test uses; the barrier is only ever held by the parent.
const BARRIER_KEY = 0x6f617462;

/** How long every connection of every worker may take to queue on the barrier. */
const BARRIER_DEADLINE_MS = 30_000;

/**
 * Runs one race. Every worker queues its creates behind an advisory lock that
 * `control` holds; once the server shows every connection of every worker
 * waiting on it, the lock is released and all of them start in the same
 * instant. Without that, the workers start a few milliseconds apart (IPC and
 * scheduling on 2 cores), which is longer than filling 10 slots takes.
 */
export async function race(workers: ReadonlyArray<Worker>, spec: RaceSpec, control: pg.Pool): Promise<RaceResult> {
  const share = Math.ceil(spec.creates / workers.length);
  const client = await control.connect();
  const stopPolling = new AbortController();
  let polling: Promise<void> = Promise.resolve();
  let finished = false;
  try {
    await client.query('SELECT pg_advisory_lock($1::bigint)', [BARRIER_KEY]);
    const ready = workers.map(async (worker, i) => {
      worker.send({
        type: 'race',
        url: spec.url,
        schema: spec.schema,
        organization: spec.organization,
        limit: spec.limit,
        strategy: spec.strategy,
        connections: spec.connectionsPerWorker,
        firstSeq: spec.firstSeq + i * share,
        creates: Math.max(0, Math.min(share, spec.creates - i * share)),
        barrierKey: BARRIER_KEY,
      });
      await worker.next('ready');
    });
    await Promise.all(ready);
    const done = workers.map((worker) => worker.next('done'));
    // A worker that fails or dies while the others queue would leave the poll below waiting for a count it never
    // reaches.
    const failed = new Promise<never>((_, reject) => done.forEach((d) => d.catch(reject)));
    failed.catch(() => undefined); // observed in the race below; avoid an unhandled rejection otherwise
    polling = waitForWaiters(client, workers.length * spec.connectionsPerWorker, stopPolling.signal);
    await Promise.race([polling, failed]);
    await client.query('SELECT pg_advisory_unlock($1::bigint)', [BARRIER_KEY]);
    const reports = await Promise.all(done);
    finished = true;
    return {
      inserted: reports.reduce((n, r) => n + r.inserted, 0),
      refused: reports.reduce((n, r) => n + r.refused, 0),
      failures: reports.flatMap((r) => r.failures),
    };
  } finally {
    // The poll must be over before its client goes back to the pool.
    stopPolling.abort();
    await polling.catch(() => undefined);
    await client.query('SELECT pg_advisory_unlock_all()').catch(() => undefined);
    client.release();
    // After a failure the workers are in an unknown state, some maybe mid-race: stop them rather than leave them
    // running.
    if (!finished) await Promise.all(workers.map(stopWorker));
  }
}

/**
 * Polls `pg_locks` until `count` sessions wait on the barrier; fails after {@link BARRIER_DEADLINE_MS}, stops quietly
 * when `stop` aborts.
 */
async function waitForWaiters(client: pg.PoolClient, count: number, stop: AbortSignal): Promise<void> {
  const deadline = Date.now() + BARRIER_DEADLINE_MS;
  let waiting = 0;
  // A bigint advisory key is split into classid (high 32 bits) and objid (low 32 bits).
  while (!stop.aborted) {
    if (Date.now() > deadline) {
      throw new Error(
        `race barrier: ${waiting} of ${count} worker connections queued on the advisory lock after ` +
          `${BARRIER_DEADLINE_MS} ms`,
      );
    }
    const { rows } = await client.query<{ waiting: number }>(
      `SELECT count(*)::integer AS waiting FROM pg_locks
       WHERE locktype = 'advisory' AND NOT granted AND classid = 0 AND objid = $1 AND objsubid = 1`,
      [BARRIER_KEY],
    );
    waiting = rows[0]?.waiting ?? 0;
    if (waiting >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
