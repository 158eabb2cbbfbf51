/**
 * End-to-end: our token endpoint in front of a real registry (Debian's
 * docker-registry, CNCF distribution 2.8), driven by real clients (skopeo,
 * containerd's ctr, podman, and the docker CLI for login). Run with `npx tsx test/e2e/registry.e2e.ts`
 * after `.ci/registry-e2e.sh` has installed the packages. Prints one line per
 * check and ends with `N passed, M failed`; exits 1 if anything failed.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveNode, type NodeServerHandle } from '../../src/http/node.js';
import { createHubApi } from '../../src/hub-api/index.js';
import {
  createMemoryTokenStore,
  createTokenService,
  platformRandom,
  type Clock,
  type TokenEvent,
  type TokenService,
} from '../../src/index.js';
import { createTokenEndpoint } from '../../src/registry/index.js';
import { makeSelfSigned } from '../registry/keys.js';
import { createCheckRunner, expectFailure, expectSuccess } from './support/checks.js';
import { writeOciLayout } from './support/oci-layout.js';
import { findExecutable, freePort, run, type RunResult } from './support/process.js';
import { startRegistry } from './support/registry.js';
import { createTokenLog } from './support/token-log.js';
import { checkContainerd } from './clients/containerd.js';
import { checkPodman } from './clients/podman.js';

const SERVICE = 'oat-e2e-registry';
const ISSUER = 'oat-e2e-issuer';
const BAD_CREDENTIALS = 'invalid username/password';
const DENIED = 'denied: requested access to the resource is denied';
const WATCHDOG_MS = 170_000;
const CHILD_TIMEOUT_MS = 40_000;
const DAY_MS = 24 * 60 * 60 * 1000;

const runner = createCheckRunner();
const cleanups: Array<() => Promise<void> | void> = [];

/** A clock we can move: the service decides expiry with it; the token endpoint keeps real time for the registry. */
function offsetClock(): Clock & { offsetMs: number } {
  const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };
  return clock;
}

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

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'oat-registry-e2e-'));
  cleanups.push(() => rmSync(work, { recursive: true, force: true }));

  // --- keys, service, token server -------------------------------------------------
  const keys = makeSelfSigned('p256', ISSUER);
  const bundle = join(work, 'token-cert.pem');
  writeFileSync(bundle, keys.rootPem);

  const clock = offsetClock();
  const events: TokenEvent[] = [];
  const service: TokenService = createTokenService({
    store: createMemoryTokenStore(),
    clock,
    events: { emit: (event) => void events.push(event) },
    organizations: [
      { name: 'acme', plan: 'business', owners: ['alice'] },
      { name: 'globex', plan: 'team', owners: ['bob'] },
    ],
  });
  const adminSession = randomBytes(24).toString('base64url');
  runner.secret(adminSession);
  const hubApi = createHubApi({
    service,
    authenticateCaller: (request) =>
      request.headers.get('authorization') === `Bearer ${adminSession}` ? { username: 'alice' } : null,
  });
  const endpoint = createTokenEndpoint({
    tokenService: service,
    audience: SERVICE,
    issuer: ISSUER,
    signingKey: keys.keyPem,
    certificateChain: keys.chainPem,
    repositoryVisibility: (name) => (name === 'globex/public' ? 'public' : 'private'),
    onError: (error) => console.log(`token endpoint fault: ${runner.redact(String(error))}`),
  });
  const tokenLog = createTokenLog();
  const tokenEndpoint = tokenLog.wrap(endpoint);
  const tokenServer: NodeServerHandle = await serveNode((request) =>
    new URL(request.url).pathname === '/token' ? tokenEndpoint(request) : hubApi(request),
  );
  cleanups.push(() => tokenServer.close());

  // --- the registry ------------------------------------------------------------------
  const port = await freePort();
  const host = `127.0.0.1:${port}`;
  const config = join(work, 'registry.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log:',
      '  level: info',
      '  accesslog:',
      '    disabled: true',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(work, 'storage')}`,
      '  maintenance:',
      '    uploadpurging:',
      '      enabled: false',
      'http:',
      `  secret: ${randomBytes(16).toString('hex')}`,
      'auth:',
      '  token:',
      `    realm: ${tokenServer.url}/token`,
      `    service: ${SERVICE}`,
      `    issuer: ${ISSUER}`,
      `    rootcertbundle: ${bundle}`,
      '',
    ].join('\n'),
  );
  const registry = await startRegistry({
    config,
    host,
    log: join(work, 'registry.log'),
    lifetimeMs: WATCHDOG_MS + 10_000,
  });
  cleanups.push(() => registry.daemon.stop());
  cleanups.push(() => {
    if (runner.failed > 0) console.log(`--- registry log (last lines) ---\n${runner.redact(registry.tail())}`);
  });

  // --- clients -----------------------------------------------------------------------
  const env = {
    ...process.env,
    REGISTRY_AUTH_FILE: join(work, 'auth.json'),
    DOCKER_CONFIG: join(work, 'docker'),
    HOME: work,
  };
  mkdirSync(env.DOCKER_CONFIG, { recursive: true });
  const image = join(work, 'image');
  const pushed = writeOciLayout(image, 'v1');

  // Credentials travel in auth files (mode 600), never on a command line.
  let files = 0;
  const authFile = (username: string, secret: string): string => {
    const file = join(work, `creds-${files++}.json`);
    writeFileSync(
      file,
      JSON.stringify({ auths: { [host]: { auth: Buffer.from(`${username}:${secret}`).toString('base64') } } }),
      { mode: 0o600 },
    );
    return file;
  };
  // E2E_VERBOSE=1 prints what each client said (redacted), to see why a check passed or failed.
  const traced = async (command: string, args: ReadonlyArray<string>, input?: string): Promise<RunResult> => {
    const result = await run(command, args, {
      env,
      timeoutMs: CHILD_TIMEOUT_MS,
      ...(input === undefined ? {} : { input }),
    });
    if (process.env.E2E_VERBOSE === '1') {
      console.log(
        `  $ ${runner.redact([command, ...args].join(' ')).slice(0, 200)} -> exit ${result.code}: ` +
          `${runner.redact(result.stderr.trim() || result.stdout.trim().slice(0, 200))}`,
      );
    }
    return result;
  };
  const skopeo = (args: ReadonlyArray<string>, input?: string): Promise<RunResult> => traced('skopeo', args, input);
  const login = (username: string, secret: string) =>
    skopeo(['login', '--tls-verify=false', '--username', username, '--password-stdin', host], secret);
  const push = (auth: string, repository: string) =>
    skopeo([
      'copy',
      '--dest-tls-verify=false',
      '--dest-authfile',
      auth,
      `oci:${image}:v1`,
      `docker://${host}/${repository}:v1`,
    ]);
  const inspect = (auth: string | null, repository: string) =>
    skopeo([
      'inspect',
      '--tls-verify=false',
      ...(auth === null ? ['--no-creds'] : ['--authfile', auth]),
      `docker://${host}/${repository}:v1`,
    ]);
  const digestOf = (result: RunResult): string => (JSON.parse(result.stdout) as { Digest: string }).Digest;

  // --- tokens ------------------------------------------------------------------------
  const alice = { username: 'alice' };
  const create = async (
    org: string,
    actor: { username: string },
    resources: ReadonlyArray<{ path: string; scopes: string[] }>,
    extra: Record<string, unknown> = {},
  ) => {
    const created = await service.create(actor, org, {
      label: `e2e ${org} ${resources[0]?.path ?? ''}`,
      resources: resources.map((r) => ({ type: 'repository', ...r })),
      ...extra,
    });
    const secret = created.secret.reveal();
    runner.secret(secret);
    return { id: created.token.id, secret };
  };
  const app = await create('acme', alice, [
    { path: 'acme/app', scopes: ['scope-image-push'] },
    { path: 'acme/readonly', scopes: ['scope-image-pull'] },
  ]);
  const inactive = await create('acme', alice, [{ path: 'acme/app', scopes: ['scope-image-pull'] }]);
  await service.deactivate(alice, 'acme', inactive.id);
  const deleted = await create('acme', alice, [{ path: 'acme/app', scopes: ['scope-image-pull'] }]);
  await service.delete(alice, 'acme', deleted.id);
  clock.offsetMs = -2 * DAY_MS; // created "two days ago", expiring "yesterday"
  const expired = await create('acme', alice, [{ path: 'acme/app', scopes: ['scope-image-pull'] }], {
    expires_at: new Date(Date.now() - DAY_MS).toISOString(),
  });
  clock.offsetMs = 0;
  const glob = await create('acme', alice, [{ path: 'acme/*', scopes: ['scope-image-push'] }]);
  const publicPull = await create('acme', alice, [{ path: '*/*/public', scopes: ['scope-image-pull'] }]);
  const revoked = await create('acme', alice, [{ path: 'acme/app', scopes: ['scope-image-push'] }]);
  const globex = await create('globex', { username: 'bob' }, [{ path: 'globex/public', scopes: ['scope-image-push'] }]);
  const wrongSecret = service.policy.format.generate(platformRandom); // well formed, never issued
  const garbledSecret = `${app.secret.slice(0, -1)}${app.secret.endsWith('A') ? 'B' : 'A'}`; // checksum broken
  runner.secret(wrongSecret);
  runner.secret(garbledSecret);

  const appAuth = authFile('acme', app.secret);

  // --- login -------------------------------------------------------------------------
  await runner.check('skopeo login succeeds with the organization name and an active token', async () =>
    expectSuccess(await login('acme', app.secret)),
  );
  // A refused login must be refused for the reason under test: the audit event carries it.
  const refusedFor = async (username: string, secret: string, code: string): Promise<void> => {
    const seen = events.length;
    expectFailure(await login(username, secret), BAD_CREDENTIALS);
    const codes = events
      .slice(seen)
      .flatMap((e) => (e.type === 'access_token.authenticate' && e.outcome === 'failure' ? [e.code] : []));
    if (codes.length === 0 || codes.some((c) => c !== code))
      throw new Error(`expected audit code ${code}, got [${codes.join(', ')}]`);
  };
  await runner.check('skopeo login fails for a wrong secret', () => refusedFor('acme', wrongSecret, 'NOT_FOUND'));
  await runner.check('skopeo login fails for a mistyped secret', () => refusedFor('acme', garbledSecret, 'MALFORMED'));
  await runner.check('skopeo login fails for an inactive token', () => refusedFor('acme', inactive.secret, 'INACTIVE'));
  await runner.check('skopeo login fails for an expired token', () => refusedFor('acme', expired.secret, 'EXPIRED'));
  await runner.check('skopeo login fails for a deleted token', () => refusedFor('acme', deleted.secret, 'DELETED'));
  await runner.check("skopeo login fails with another organization's name", () =>
    refusedFor('globex', app.secret, 'ORG_MISMATCH'),
  );

  // --- push and pull within and outside the grants --------------------------------------
  await runner.check('push to a repository granted pull+push succeeds', async () =>
    expectSuccess(await push(appAuth, 'acme/app')),
  );
  await runner.check('pull gives back the manifest digest that was pushed', async () => {
    const target = join(work, 'pulled');
    expectSuccess(
      await skopeo([
        'copy',
        '--src-tls-verify=false',
        '--src-authfile',
        appAuth,
        `docker://${host}/acme/app:v1`,
        `oci:${target}:v1`,
      ]),
    );
    const index = JSON.parse(readFileSync(join(target, 'index.json'), 'utf8')) as {
      manifests: Array<{ digest: string }>;
    };
    const digests = index.manifests.map((m) => m.digest);
    if (!digests.includes(pushed.manifestDigest))
      throw new Error(`pulled ${digests.join(', ')}, pushed ${pushed.manifestDigest}`);
    const remote = digestOf(await inspect(appAuth, 'acme/app'));
    if (remote !== pushed.manifestDigest)
      throw new Error(`registry reports ${remote}, pushed ${pushed.manifestDigest}`);
  });
  await runner.check('push to a pull-only repository is denied', async () =>
    expectFailure(await push(appAuth, 'acme/readonly'), DENIED),
  );
  await runner.check('push to a repository outside the grants is denied', async () =>
    expectFailure(await push(appAuth, 'acme/other'), DENIED),
  );
  await runner.check("push to another organization's repository is denied", async () =>
    expectFailure(await push(appAuth, 'globex/app'), DENIED),
  );
  const globAuth = authFile('acme', glob.secret);
  await runner.check('an acme/* grant allows push to any acme repository', async () => {
    expectSuccess(await push(globAuth, 'acme/anything'));
    expectSuccess(await push(globAuth, 'acme/something-else'));
  });

  // --- public repositories -------------------------------------------------------------
  const globexAuth = authFile('globex', globex.secret);
  await runner.check('the other organization pushes its public repository', async () =>
    expectSuccess(await push(globexAuth, 'globex/public')),
  );
  const publicAuth = authFile('acme', publicPull.secret);
  await runner.check('a */*/public grant pulls a public repository of another organization', async () => {
    const result = await inspect(publicAuth, 'globex/public');
    expectSuccess(result);
    if (digestOf(result) !== pushed.manifestDigest) throw new Error(`unexpected digest ${digestOf(result)}`);
  });
  await runner.check('a */*/public grant cannot push to that public repository', async () =>
    expectFailure(await push(publicAuth, 'globex/public'), DENIED),
  );
  await runner.check('a */*/public grant cannot pull a private repository', async () =>
    expectFailure(await inspect(publicAuth, 'acme/app'), 'requested access to the resource is denied'),
  );
  await runner.check('anonymous pull of a public repository succeeds', async () =>
    expectSuccess(await inspect(null, 'globex/public')),
  );
  await runner.check('anonymous pull of a private repository is refused', async () =>
    expectFailure(await inspect(null, 'acme/app'), 'authentication required'),
  );

  // --- containerd (the OAuth2 POST flow) and podman ------------------------------------
  const clients = {
    runner,
    work,
    host,
    tokenLog,
    appSecret: app.secret,
    globSecret: glob.secret,
    wrongSecret,
    manifestDigest: pushed.manifestDigest,
    run: (command: string, args: ReadonlyArray<string>, input?: string) => traced(command, args, input),
    remoteDigest: async (reference: string) => {
      const result = await skopeo([
        'inspect',
        '--tls-verify=false',
        '--authfile',
        globAuth,
        `docker://${host}/${reference}`,
      ]);
      expectSuccess(result);
      return digestOf(result);
    },
    required: process.env.CI === 'true',
    onCleanup: (step: () => Promise<void> | void) => void cleanups.push(step),
  };
  await checkContainerd(clients);
  await checkPodman(clients);

  // --- deactivation through the Hub API between two operations ----------------------------
  const revokedAuth = authFile('acme', revoked.secret);
  await runner.check('a token deactivated through the Hub API is refused on its next operation', async () => {
    expectSuccess(await inspect(revokedAuth, 'acme/app'));
    const reply = await fetch(`${tokenServer.url}/v2/orgs/acme/access-tokens/${revoked.id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${adminSession}`, 'content-type': 'application/json' },
      body: JSON.stringify({ is_active: false }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await reply.json()) as { is_active?: unknown };
    if (reply.status !== 200 || body.is_active !== false)
      throw new Error(`PATCH answered ${reply.status} ${JSON.stringify(body)}`);
    expectFailure(await inspect(revokedAuth, 'acme/app'), BAD_CREDENTIALS);
  });

  // --- docker CLI login ---------------------------------------------------------------
  const docker = findExecutable('docker', ['/usr/local/bin']);
  const dockerLogin = (secret: string) =>
    traced(docker as string, ['login', host, '--username', 'acme', '--password-stdin'], secret);
  if (docker === null) {
    const reason = 'no docker CLI found (looked in /usr/local/bin and PATH)';
    if (process.env.CI === 'true') runner.fail('docker login (docker CLI)', reason);
    else runner.skip('docker login (docker CLI)', reason);
  } else {
    await runner.check('docker login succeeds with the organization name and an active token', async () =>
      expectSuccess(await dockerLogin(app.secret)),
    );
    await runner.check('docker login fails for a bad token', async () =>
      expectFailure(await dockerLogin(wrongSecret), 'unauthorized: invalid username or token'),
    );
  }
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
// A closed stdout (`| head`) must not kill us before the servers are stopped.
process.stdout.on('error', () => undefined);
process.on('uncaughtException', (error) => {
  runner.fail('the run', String(error));
  void cleanup().finally(() => process.exit(1));
});

try {
  await main();
} catch (error) {
  runner.fail('setup', error instanceof Error ? (error.stack ?? error.message) : String(error));
} finally {
  await cleanup();
  clearTimeout(watchdog);
}
console.log(`${runner.passed} passed, ${runner.failed} failed`);
process.exit(runner.failed === 0 ? 0 : 1);
