/**
 * End-to-end: the example app of docs/examples/registry-server, installed
 * from the packed tarball, in front of a real registry (Debian's
 * docker-registry with the example's own config.yml) and driven by real
 * clients. Run by `.ci/example-e2e.sh`, which packs and installs; by hand:
 * `npx tsx test/e2e/example.e2e.ts <installed copy of the example>`. Prints
 * one line per check and `N passed, M failed`; exits 1 if anything failed.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createCheckRunner, expectFailure, expectSuccess } from './support/checks.js';
import { writeOciLayout } from './support/oci-layout.js';
import {
  findExecutable,
  freePort,
  run,
  startDaemon,
  waitUntil,
  type Daemon,
  type RunResult,
} from './support/process.js';
import { startRegistry } from './support/registry.js';

// The example's defaults: config.yml names the same service and issuer.
const SERVICE = 'registry.example.test';
const WATCHDOG_MS = 80_000;
const CHILD_TIMEOUT_MS = 30_000;
const BAD_CREDENTIALS = 'invalid username/password';

const runner = createCheckRunner();
const cleanups: Array<() => Promise<void> | void> = [];

async function cleanup(): Promise<void> {
  while (cleanups.length > 0) {
    const step = cleanups.pop() as () => Promise<void> | void;
    try {
      await step();
    } catch (error) {
      console.log(`cleanup step failed: ${runner.redact(String(error))}`);
    }
  }
}

async function main(appDir: string): Promise<void> {
  if (!existsSync(join(appDir, 'node_modules', 'org-access-tokens', 'package.json')))
    throw new Error(`${appDir} has no installed org-access-tokens`);
  const work = mkdtempSync(join(tmpdir(), 'oat-example-e2e-'));
  cleanups.push(() => rmSync(work, { recursive: true, force: true }));

  // --- as the README says: a key and certificate, an admin token, npm start ---------------
  mkdirSync(join(appDir, 'certs'), { recursive: true });
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      'certs/token.key',
      '-out',
      'certs/token.crt',
      '-days',
      '365',
      '-subj',
      '/CN=oat-example-issuer',
    ],
    { cwd: appDir, stdio: ['ignore', 'ignore', 'pipe'], timeout: CHILD_TIMEOUT_MS },
  );
  const adminToken = randomBytes(32).toString('hex');
  runner.secret(adminToken);
  const serverPort = await freePort();
  const server = `http://127.0.0.1:${serverPort}`;
  const serverEnv = { ...process.env, PORT: String(serverPort), OAT_ADMIN_TOKEN: adminToken };
  const serverLog = join(work, 'server.log');
  const startServer = async (): Promise<Daemon> => {
    const daemon = startDaemon(process.execPath, ['server.js'], serverLog, WATCHDOG_MS + 10_000, {
      cwd: appDir,
      env: serverEnv,
    });
    cleanups.push(() => daemon.stop());
    await waitUntil('the example server to answer /healthz', async () => {
      if (daemon.child.exitCode !== null) throw new Error('the server exited');
      return (await fetch(`${server}/healthz`, { signal: AbortSignal.timeout(2_000) })).status === 200;
    });
    return daemon;
  };
  cleanups.push(() => {
    if (runner.failed > 0 && existsSync(serverLog))
      console.log(`--- server log ---\n${runner.redact(readFileSync(serverLog, 'utf8')).trim()}`);
  });

  await runner.check('the server refuses to start without OAT_ADMIN_TOKEN', async () => {
    const result = await run(process.execPath, ['server.js'], {
      env: { ...serverEnv, OAT_ADMIN_TOKEN: '' },
      timeoutMs: CHILD_TIMEOUT_MS,
      cwd: appDir,
    });
    expectFailure(result, 'OAT_ADMIN_TOKEN must be set');
  });
  let serverDaemon = await startServer();

  // --- the registry with the example's config.yml; only the ports are this run's ----------
  const host = `127.0.0.1:${await freePort()}`;
  const registry = await startRegistry({
    config: 'config.yml',
    cwd: appDir,
    host,
    log: join(work, 'registry.log'),
    lifetimeMs: WATCHDOG_MS + 10_000,
    overrides: { REGISTRY_AUTH_TOKEN_REALM: `${server}/token`, REGISTRY_HTTP_SECRET: randomBytes(16).toString('hex') },
  });
  cleanups.push(() => registry.daemon.stop());

  // --- clients -------------------------------------------------------------------------
  const env = {
    ...process.env,
    REGISTRY_AUTH_FILE: join(work, 'auth.json'),
    DOCKER_CONFIG: join(work, 'docker'),
    HOME: work,
  };
  mkdirSync(env.DOCKER_CONFIG, { recursive: true });
  const traced = async (command: string, args: ReadonlyArray<string>, input?: string): Promise<RunResult> => {
    const result = await run(command, args, {
      env,
      timeoutMs: CHILD_TIMEOUT_MS,
      ...(input === undefined ? {} : { input }),
    });
    if (process.env.E2E_VERBOSE === '1')
      console.log(
        `  $ ${runner.redact([command, ...args].join(' ')).slice(0, 200)} -> exit ${result.code}: ` +
          `${runner.redact(result.stderr.trim())}`,
      );
    return result;
  };
  const image = join(work, 'image');
  const pushed = writeOciLayout(image, 'v1', 'hello from the example registry server\n');
  const authFile = (secret: string): string => {
    const file = join(work, `creds-${randomBytes(4).toString('hex')}.json`);
    writeFileSync(
      file,
      JSON.stringify({ auths: { [host]: { auth: Buffer.from(`acme:${secret}`).toString('base64') } } }),
      { mode: 0o600 },
    );
    return file;
  };
  const inspect = (auth: string, reference: string) =>
    traced('skopeo', ['inspect', '--tls-verify=false', '--authfile', auth, `docker://${host}/${reference}`]);
  const hub = (method: string, path: string, body?: unknown, bearer = adminToken) =>
    fetch(`${server}/v2/orgs/acme/access-tokens${path}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(10_000),
    });

  // --- the Hub API ----------------------------------------------------------------------
  await runner.check('the Hub API answers 401 to a caller without the admin token', async () => {
    const reply = await hub('GET', '', undefined, 'not-the-admin-token');
    if (reply.status !== 401) throw new Error(`answered ${reply.status}`);
  });
  let token = { id: '', secret: '' };
  const created = await runner.check(
    "the README's curl body creates a token (201, the secret shown once)",
    async () => {
      const reply = await hub('POST', '', {
        label: 'ci',
        resources: [{ type: 'TYPE_REPO', path: 'acme/app', scopes: ['scope-image-push'] }],
      });
      const body = (await reply.json()) as { id?: unknown; token?: unknown };
      if (reply.status !== 201 || typeof body.id !== 'string' || typeof body.token !== 'string')
        throw new Error(`answered ${reply.status}`);
      runner.secret(body.token);
      token = { id: body.id, secret: body.token };
    },
  );
  if (!created) return;
  const auth = authFile(token.secret);

  // --- login, push, pull ------------------------------------------------------------------
  await runner.check('skopeo login succeeds with the organization name and the token', async () =>
    expectSuccess(
      await traced(
        'skopeo',
        ['login', '--tls-verify=false', '--username', 'acme', '--password-stdin', host],
        token.secret,
      ),
    ),
  );
  const docker = findExecutable('docker', ['/usr/local/bin']);
  if (docker !== null) {
    await runner.check('docker login succeeds with the organization name and the token', async () =>
      expectSuccess(await traced(docker, ['login', host, '--username', 'acme', '--password-stdin'], token.secret)),
    );
  } else if (process.env.CI === 'true') {
    runner.fail('docker login', 'no docker CLI found (looked in /usr/local/bin and PATH)');
  } else {
    runner.skip('docker login', 'no docker CLI found (looked in /usr/local/bin and PATH)');
  }
  await runner.check('push to acme/app succeeds', async () =>
    expectSuccess(
      await traced('skopeo', [
        'copy',
        '--dest-tls-verify=false',
        '--dest-authfile',
        auth,
        `oci:${image}:v1`,
        `docker://${host}/acme/app:v1`,
      ]),
    ),
  );
  await runner.check('pull gives back the manifest digest that was pushed', async () => {
    const target = join(work, 'pulled');
    expectSuccess(
      await traced('skopeo', [
        'copy',
        '--src-tls-verify=false',
        '--src-authfile',
        auth,
        `docker://${host}/acme/app:v1`,
        `oci:${target}:v1`,
      ]),
    );
    const index = JSON.parse(readFileSync(join(target, 'index.json'), 'utf8')) as {
      manifests: Array<{ digest: string }>;
    };
    if (!index.manifests.some((m) => m.digest === pushed.manifestDigest))
      throw new Error(`pulled ${JSON.stringify(index.manifests)}, pushed ${pushed.manifestDigest}`);
  });
  await runner.check('push to a repository outside the grants is denied', async () =>
    expectFailure(
      await traced('skopeo', [
        'copy',
        '--dest-tls-verify=false',
        '--dest-authfile',
        auth,
        `oci:${image}:v1`,
        `docker://${host}/acme/other:v1`,
      ]),
      'requested access to the resource is denied',
    ),
  );
  await runner.check(
    'POST /token with the OAuth2 password form (as containerd sends it) is answered with a registry token',
    async () => {
      const form = new URLSearchParams({
        grant_type: 'password',
        username: 'acme',
        password: token.secret,
        service: SERVICE,
        scope: 'repository:acme/app:pull',
        client_id: 'e2e',
      });
      const reply = await fetch(`${server}/token`, { method: 'POST', body: form, signal: AbortSignal.timeout(10_000) });
      const body = (await reply.json()) as { access_token?: unknown };
      if (reply.status !== 200 || typeof body.access_token !== 'string') throw new Error(`answered ${reply.status}`);
    },
  );

  // --- the SQLite file outlives the process ---------------------------------------------
  await runner.check('after a restart on the same SQLite file the token still pulls', async () => {
    await serverDaemon.stop();
    if (serverDaemon.child.exitCode !== 0)
      throw new Error(`the server exited with ${serverDaemon.child.exitCode} on SIGTERM`);
    serverDaemon = await startServer();
    expectSuccess(await inspect(auth, 'acme/app:v1'));
  });

  // --- deactivation through the Hub API ---------------------------------------------------
  await runner.check('PATCH is_active=false deactivates the token', async () => {
    const reply = await hub('PATCH', `/${token.id}`, { is_active: false });
    const body = (await reply.json()) as { is_active?: unknown };
    if (reply.status !== 200 || body.is_active !== false)
      throw new Error(`answered ${reply.status} ${JSON.stringify(body)}`);
  });
  await runner.check('a pull with the deactivated token is refused', async () =>
    expectFailure(await inspect(auth, 'acme/app:v1'), BAD_CREDENTIALS),
  );
}

const watchdog = setTimeout(() => {
  runner.fail('the whole run', `did not finish within ${WATCHDOG_MS / 1000} s`);
  void cleanup().finally(() => {
    console.log(`${runner.passed} passed, ${runner.failed} failed`);
    process.exit(1);
  });
}, WATCHDOG_MS);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    void cleanup().finally(() => process.exit(1));
  });
}
process.stdout.on('error', () => undefined);

const appDir = process.argv[2];
try {
  if (appDir === undefined)
    throw new Error('usage: tsx test/e2e/example.e2e.ts <installed copy of docs/examples/registry-server>');
  await main(resolve(appDir));
} catch (error) {
  runner.fail('setup', error instanceof Error ? (error.stack ?? error.message) : String(error));
} finally {
  await cleanup();
  clearTimeout(watchdog);
}
console.log(`${runner.passed} passed, ${runner.failed} failed`);
process.exit(runner.failed === 0 ? 0 : 1);
