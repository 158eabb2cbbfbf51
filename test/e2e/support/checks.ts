import type { RunResult } from './process.js';

/** Records named checks, prints one line for each, and counts them. */
export interface CheckRunner {
  /** Runs `body`; a throw is a failure whose message is printed (redacted). Never rejects. */
  check(name: string, body: () => Promise<void>): Promise<boolean>;
  /** Records a failure without running anything (a setup step that could not run). */
  fail(name: string, detail: string): void;
  /** Records a skip: neither passed nor failed. */
  skip(name: string, reason: string): void;
  /** Marks a string that must never be printed. */
  secret(value: string): void;
  /** Replaces every known secret and every JWT in `text`. */
  redact(text: string): string;
  readonly passed: number;
  readonly failed: number;
}

const JWT = /eyJ[\w-]+\.[\w-]+\.[\w-]+/g;

/** A {@link CheckRunner} printing with `print` (default `console.log`). */
export function createCheckRunner(print: (line: string) => void = (line) => console.log(line)): CheckRunner {
  const secrets: string[] = [];
  let passed = 0;
  let failed = 0;
  const redact = (text: string): string =>
    secrets.reduce((out, s) => out.split(s).join('[REDACTED]'), text).replace(JWT, '[JWT]');
  const fail = (name: string, detail: string): void => {
    failed++;
    print(`FAIL ${name}\n     ${redact(detail).trim().split('\n').slice(-8).join('\n     ')}`);
  };
  return {
    async check(name, body) {
      try {
        await body();
        passed++;
        print(`ok   ${name}`);
        return true;
      } catch (error) {
        fail(name, error instanceof Error ? error.message : String(error));
        return false;
      }
    },
    fail,
    skip(name, reason) {
      print(`skip ${name}: ${reason}`);
    },
    secret(value) {
      if (value.length > 0) secrets.push(value);
    },
    redact,
    get passed() {
      return passed;
    },
    get failed() {
      return failed;
    },
  };
}

const describe = (result: RunResult): string =>
  `exit ${result.code ?? 'killed'}${result.timedOut ? ' (timed out)' : ''}\nstdout: ` +
  `${result.stdout.trim()}\nstderr: ${result.stderr.trim()}`;

/** Throws unless the command exited 0. */
export function expectSuccess(result: RunResult): void {
  if (result.code !== 0) throw new Error(`expected success, got ${describe(result)}`);
}

/**
 * Throws unless the command failed with `message` in its output: a failure
 * for another reason (a server that is down, a typo) does not pass.
 */
export function expectFailure(result: RunResult, message: string): void {
  if (result.code === 0) throw new Error(`expected failure with "${message}", but it succeeded\n${describe(result)}`);
  if (!`${result.stderr}\n${result.stdout}`.includes(message))
    throw new Error(`expected "${message}" in the output, got ${describe(result)}`);
}
