import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createPostgresRateLimiter } from '../../src/postgres/index.js';

const URL_ = process.env['OAT_TEST_PG_URL'];
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WORKER = fileURLToPath(new URL('./rate-limit-worker.ts', import.meta.url));
const run = promisify(execFile);

describe.skipIf(URL_ === undefined)('the PostgreSQL rate limiter', () => {
  it('shares one budget across processes: three processes admit exactly the budget in total', async () => {
    const url = URL_ as string;
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    // A fresh budget: the key may be left over from an earlier run.
    await createPostgresRateLimiter({ pool, points: 1, durationSeconds: 1 });
    await pool.query(`DELETE FROM oat_rate_limits WHERE key LIKE 'shared-test%'`);
    await pool.end();
    const budget = 25;
    const outputs = await Promise.all(
      [0, 1, 2].map(() => run(process.execPath, ['--import', 'tsx', WORKER, url, String(budget), '20'], { cwd: ROOT })),
    );
    const admitted = outputs.map((o) => Number(o.stdout.trim()));
    expect(admitted.every((n) => Number.isInteger(n))).toBe(true);
    expect(admitted.reduce((a, b) => a + b, 0)).toBe(budget);
  }, 60_000);

  it('rejects consume when the database is unreachable, so the service can report it', async () => {
    const pool = new pg.Pool({ connectionString: URL_ as string, max: 1 });
    const limiter = await createPostgresRateLimiter({ pool, points: 5, durationSeconds: 60, keyPrefix: 'down-test' });
    await pool.end();
    await expect(limiter.consume('k', 1)).rejects.toBeDefined();
  });
});
