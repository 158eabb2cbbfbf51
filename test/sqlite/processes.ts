import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Command, Report } from './worker.js';

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));

/** How long a worker sent a signal other than SIGKILL may take to exit before it is killed. */
const EXIT_GRACE_MS = 5_000;

/** One child process running `worker.ts`, with a queue of the reports it sent. */
export class Worker {
  readonly child: ChildProcess;
  private readonly reports: Report[] = [];
  private waiting: ((report: Report) => void) | null = null;
  private exited = false;

  constructor() {
    this.child = fork(WORKER, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (report: Report) => {
      const waiting = this.waiting;
      this.waiting = null;
      if (waiting === null) this.reports.push(report);
      else waiting(report);
    });
    // A send racing the child's exit would otherwise surface as an unhandled 'error' event.
    this.child.on('error', () => undefined);
    this.child.on('exit', () => {
      this.exited = true;
      this.waiting?.({ type: 'failed', message: 'worker exited' });
      this.waiting = null;
    });
  }

  send(command: Command): void {
    if (!this.child.connected) throw new Error(`worker ${this.child.pid} is gone; cannot send ${command.type}`);
    this.child.send(command);
  }

  /** The next report, in order. */
  next(): Promise<Report> {
    const queued = this.reports.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.exited) return Promise.resolve({ type: 'failed', message: 'worker exited' });
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  /** Waits for a report of `type`, failing on anything else but `progress`. */
  async expect<T extends Report['type']>(type: T): Promise<Extract<Report, { type: T }>> {
    for (;;) {
      const report = await this.next();
      if (report.type === type) return report as Extract<Report, { type: T }>;
      if (report.type !== 'progress')
        throw new Error(`worker reported ${JSON.stringify(report)} while waiting for ${type}`);
    }
  }

  /** Sends `signal` and waits for the exit, sending SIGKILL if the worker is still there after a grace period. */
  kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (this.exited) return Promise.resolve();
    return new Promise((resolve) => {
      // A worker that ignores or never handles the signal must not hang the suite.
      const timer = setTimeout(() => this.child.kill('SIGKILL'), EXIT_GRACE_MS);
      this.child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      this.child.kill(signal);
    });
  }
}

/** What one worker did in a race. */
export interface RaceResult {
  readonly inserted: number;
  readonly refused: number;
  readonly failures: ReadonlyArray<string>;
}

/**
 * Runs one race: every worker prepares its creates, and only when all are
 * ready are they released together, so their writes overlap.
 */
export async function race(
  workers: ReadonlyArray<Worker>,
  options: {
    file: string;
    organization: string;
    limit: number;
    strategy: 'store' | 'naive';
    creates: number;
    firstSeq: number;
  },
): Promise<RaceResult[]> {
  const perWorker = Math.ceil(options.creates / workers.length);
  workers.forEach((worker, i) =>
    worker.send({
      type: 'race',
      file: options.file,
      organization: options.organization,
      limit: options.limit,
      strategy: options.strategy,
      firstSeq: options.firstSeq + i * perWorker,
      creates: Math.min(perWorker, options.creates - i * perWorker),
    }),
  );
  await Promise.all(workers.map((worker) => worker.expect('ready')));
  for (const worker of workers) worker.send({ type: 'go' });
  return Promise.all(workers.map((worker) => worker.expect('done')));
}
