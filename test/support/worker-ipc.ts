/**
 * The child side of the tests' worker processes (PostgreSQL and SQLite race,
 * churn and crash harnesses): reports go to the parent over Node's IPC
 * channel, each command runs its handler, a handler that fails reports
 * `failed`, and the worker leaves as soon as the channel closes.
 */

/** Sends a report to the parent, if there still is one. */
export function report<R>(message: R): void {
  process.send?.(message);
}

type Handlers<C extends { readonly type: string }> = {
  readonly [K in Exclude<C['type'], 'exit'>]: (command: Extract<C, { readonly type: K }>) => void | Promise<void>;
};

/**
 * Runs each command the parent sends through its handler. `exit` closes the
 * channel; a closed channel ends the process, so a race or churn in flight
 * cannot keep a worker alive that nobody can hear from again.
 */
export function serveCommands<C extends { readonly type: string }>(handlers: Handlers<C>): void {
  const fail = (error: unknown): void =>
    report({ type: 'failed', message: error instanceof Error ? `${error.name}: ${error.message}` : String(error) });
  process.on('message', (command: C) => {
    if (command.type === 'exit') {
      process.disconnect();
      return;
    }
    const handler = (handlers as unknown as Record<string, ((command: C) => void | Promise<void>) | undefined>)[
      command.type
    ];
    try {
      Promise.resolve(handler?.(command)).catch(fail);
    } catch (error) {
      fail(error);
    }
  });
  process.on('disconnect', () => process.exit(0));
}
