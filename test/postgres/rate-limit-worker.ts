/**
 * One process of the shared-budget test: `node --import tsx rate-limit-worker.ts <url> <points> <tries>`
 * spends `tries` points of one key through a PostgreSQL limiter and prints how many were admitted.
 */
import pg from 'pg';
import { createPostgresRateLimiter } from '../../src/postgres/index.js';

const [url, points, tries] = process.argv.slice(2);
const pool = new pg.Pool({ connectionString: url, max: 4 });
pool.on('error', () => undefined);
const limiter = await createPostgresRateLimiter({
  pool,
  points: Number(points),
  durationSeconds: 600,
  keyPrefix: 'shared-test',
});
const answers = await Promise.all(Array.from({ length: Number(tries) }, () => limiter.consume('token:shared', 1)));
process.stdout.write(`${answers.filter((a) => a.allowed).length}\n`);
await pool.end();
