import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';

/** What a finished child process left behind. */
export interface RunResult {
  /** Exit code; `null` when it was killed (for example by the timeout). */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

/** Options of {@link run}. */
export interface RunOptions {
  readonly env?: NodeJS.ProcessEnv;
  /** Written to stdin, then stdin is closed. */
  readonly input?: string;
  /** Default 30 s; the child is killed (SIGKILL) past it. */
  readonly timeoutMs?: number;
  readonly cwd?: string;
}

/** Runs a command to completion, bounded by a timeout; never rejects for a non-zero exit. */
export function run(command: string, args: ReadonlyArray<string>, options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 30_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** A free TCP port on 127.0.0.1, found by binding port 0 and letting it go. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A long-running child started by {@link startDaemon}. */
export interface Daemon {
  readonly child: ChildProcess;
  /** Sends SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. Safe to call twice. */
  stop(graceMs?: number): Promise<void>;
}

/** Where and with what environment {@link startDaemon} starts its process. */
export interface DaemonOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Starts a long-running process with its stdout and stderr appended to
 * `logFile`, under coreutils `timeout` so that it dies after `lifetimeMs` even
 * if this process is killed before it can stop it (`timeout` passes our
 * SIGTERM on to it).
 */
export function startDaemon(
  command: string,
  args: ReadonlyArray<string>,
  logFile: string,
  lifetimeMs: number,
  options: DaemonOptions = {},
): Daemon {
  const log = openSync(logFile, 'a');
  const seconds = Math.max(1, Math.ceil(lifetimeMs / 1000));
  const child = spawn('timeout', ['--kill-after=5', `${seconds}`, command, ...args], {
    stdio: ['ignore', log, log],
    env: options.env ?? process.env,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });
  closeSync(log);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  let stopping: Promise<void> | undefined;
  return {
    child,
    stop(graceMs = 5_000): Promise<void> {
      stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      })();
      return stopping;
    },
  };
}

/** Polls `probe` every 100 ms until it returns true, or fails after `timeoutMs`. */
export async function waitUntil(what: string, probe: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The path of `name` in `dirs` or else on PATH (the first that exists), or `null`. */
export function findExecutable(name: string, dirs: ReadonlyArray<string> = []): string | null {
  for (const dir of [...dirs, ...(process.env.PATH ?? '').split(delimiter)]) {
    const candidate = join(dir, name);
    if (dir !== '' && existsSync(candidate)) return candidate;
  }
  return null;
}
