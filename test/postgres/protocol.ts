/** Messages between the PostgreSQL tests and their worker processes (worker.ts), over Node's IPC channel. */

/** How a worker inserts: through the store, or with the naive count, pause, insert the negative control needs. */
export type Strategy = 'store' | 'naive';

/** What the parent sends. */
export type Command =
  | {
      readonly type: 'race';
      readonly url: string;
      readonly schema: string;
      readonly organization: string;
      readonly limit: number;
      readonly strategy: Strategy;
      readonly connections: number;
      /** Sequence numbers (see `makeTestRecord`) of the records this worker creates. */
      readonly firstSeq: number;
      readonly creates: number;
      /** The advisory lock the parent holds until every connection waits on it: the start signal. */
      readonly barrierKey: number;
    }
  | {
      readonly type: 'churn';
      readonly url: string;
      readonly schema: string;
      readonly organization: string;
      readonly limit: number;
      readonly connections: number;
      readonly firstSeq: number;
    }
  | { readonly type: 'exit' };

/** What the worker sends back. */
export type Report =
  | { readonly type: 'ready' }
  | {
      readonly type: 'done';
      readonly inserted: number;
      readonly refused: number;
      readonly failures: ReadonlyArray<string>;
    }
  | { readonly type: 'progress'; readonly operations: number }
  | { readonly type: 'failed'; readonly message: string };

/** The `application_name` of a churning worker's sessions, so the parent can see when the server has dropped them. */
export const CHURN_APPLICATION = 'oat-test-churn';
