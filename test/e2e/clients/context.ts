import type { CheckRunner } from '../support/checks.js';
import type { RunResult } from '../support/process.js';
import type { TokenLog } from '../support/token-log.js';

/** What the checks of one more registry client need from the e2e that runs them. */
export interface ClientCheckContext {
  readonly runner: CheckRunner;
  /** A temporary directory, removed by the caller. */
  readonly work: string;
  /** `127.0.0.1:<port>` of the registry (plain HTTP). */
  readonly host: string;
  readonly tokenLog: TokenLog;
  /** Push on `acme/app`, pull only on `acme/readonly`. */
  readonly appSecret: string;
  /** Push on `acme/*`. */
  readonly globSecret: string;
  /** Well formed, never issued. */
  readonly wrongSecret: string;
  /** What skopeo pushed as `acme/app:v1`. */
  readonly manifestDigest: string;
  /** Runs a client, bounded in time, printing what it said under E2E_VERBOSE=1. */
  readonly run: (command: string, args: ReadonlyArray<string>, input?: string) => Promise<RunResult>;
  /** The manifest digest the registry holds for `repository:tag`, asked with skopeo and the push-everywhere token. */
  readonly remoteDigest: (reference: string) => Promise<string>;
  /** A missing client fails the run (CI) instead of being skipped. */
  readonly required: boolean;
  /** Registers a teardown step, run in reverse order at the end. */
  readonly onCleanup: (step: () => Promise<void> | void) => void;
}

/** Records a client that is not installed: a failure under `required`, else a skip. */
export function missingClient(context: ClientCheckContext, name: string, reason: string): void {
  if (context.required) context.runner.fail(name, reason);
  else context.runner.skip(name, reason);
}
