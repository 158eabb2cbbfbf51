/**
 * Loaded into every topic process by the runner (`--import`): at exit it
 * appends the process's CPU time (user + system, seconds) to the file named
 * by `OAT_BENCH_CPU`, so the runner can print CPU beside wall time. On a
 * shared machine the wall time of a topic grows with the load; its CPU time
 * barely does, so it tells how long the topic takes on a quiet machine.
 */
import { appendFileSync } from 'node:fs';

const file = process.env['OAT_BENCH_CPU'];
if (file !== undefined && file !== '') {
  process.once('exit', () => {
    const { user, system } = process.cpuUsage();
    appendFileSync(file, `${(user + system) / 1e6}\n`);
  });
}
