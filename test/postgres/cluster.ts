import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Bounds every pg_ctl wait, well inside the test timeout. */
const PG_CTL_TIMEOUT_SECONDS = '20';

/**
 * A throwaway PostgreSQL cluster of a test's own, made by `.ci/postgres.sh`
 * like the shared one, for a test that stops and starts the server: stopping
 * the shared cluster would break the test files running beside it.
 */
export interface PrivateCluster {
  /** Its connection string. */
  readonly url: string;
  /** `pg_ctl stop -m immediate`: every backend is killed at once, as in a crash. */
  stopImmediately(): Promise<void>;
  /** `pg_ctl start`, on the same port; resolves once the server accepts connections. */
  start(): Promise<void>;
  /** Stops the server if it runs and removes its directory. */
  remove(): Promise<void>;
}

function pgCtl(): string {
  const base = '/usr/lib/postgresql';
  const versions = readdirSync(base)
    .filter((name) => /^\d+$/.test(name))
    .sort((a, b) => Number(a) - Number(b));
  const newest = versions.at(-1);
  if (newest === undefined) throw new Error(`no PostgreSQL server under ${base}`);
  return `${base}/${newest}/bin/pg_ctl`;
}

/** Runs pg_ctl as the cluster's owner: `postgres` when we are root (as postgres.sh does), ourselves otherwise. */
async function asOwner(args: ReadonlyArray<string>): Promise<void> {
  const command = [pgCtl(), ...args];
  const [file, ...rest] = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--', ...command] : command;
  await run(file as string, rest, { cwd: '/' });
}

/**
 * Starts a private cluster; its settings are made permanent so a plain `pg_ctl start` brings it back on the same port.
 */
export async function startPrivateCluster(): Promise<PrivateCluster> {
  const { stdout } = await run(
    'bash',
    ['-c', 'eval "$(bash .ci/postgres.sh start)" && printf "%s\\n%s\\n" "$OAT_TEST_PG_URL" "$OAT_PG_DIR"'],
    { cwd: ROOT },
  );
  const [url, dir] = stdout.trim().split('\n');
  if (url === undefined || dir === undefined || dir === '')
    throw new Error(`postgres.sh start printed no cluster: ${stdout}`);
  const data = `${dir}/data`;
  const remove = async (): Promise<void> => {
    await run('bash', ['.ci/postgres.sh', 'stop', dir], { cwd: ROOT });
  };
  try {
    // postgres.sh passes these on pg_ctl's command line, which a later `pg_ctl start` does not repeat.
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query<{ port: string; sockets: string }>(
        `SELECT current_setting('port') AS port, current_setting('unix_socket_directories') AS sockets`,
      );
      const row = rows[0];
      if (row === undefined) throw new Error('no settings');
      await client.query(`ALTER SYSTEM SET port = ${Number(row.port)}`);
      await client.query(`ALTER SYSTEM SET listen_addresses = '127.0.0.1'`);
      await client.query(`ALTER SYSTEM SET unix_socket_directories = '${row.sockets.replaceAll("'", "''")}'`);
      await client.query(`ALTER SYSTEM SET fsync = off`);
    } finally {
      await client.end();
    }
  } catch (error) {
    await remove();
    throw error;
  }
  return {
    url,
    stopImmediately: () => asOwner(['-D', data, '-w', '-t', PG_CTL_TIMEOUT_SECONDS, 'stop', '-m', 'immediate']),
    start: () => asOwner(['-D', data, '-w', '-t', PG_CTL_TIMEOUT_SECONDS, '-l', `${dir}/server.log`, 'start']),
    remove,
  };
}
