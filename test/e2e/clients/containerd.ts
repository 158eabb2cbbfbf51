/**
 * containerd's `ctr` against the registry. containerd's resolver asks the
 * token endpoint with the OAuth2 `POST` form (`grant_type=password`) first
 * and falls back to `GET` only when that fails; nerdctl, BuildKit and the
 * kubelet (through the CRI plugin) share that code, so this is the check of
 * the POST path with a real client.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectFailure, expectSuccess } from '../support/checks.js';
import { startDaemon, waitUntil } from '../support/process.js';
import { describeTokenRequests } from '../support/token-log.js';
import { missingClient, type ClientCheckContext } from './context.js';

const CONTAINERD = '/usr/bin/containerd';
const CTR = '/usr/bin/ctr';
const LIFETIME_MS = 120_000;

/** A containerd of our own: its root, state, socket and plugin paths all under `dir`, and no CRI plugin. */
function writeConfig(dir: string): string {
  const config = join(dir, 'config.toml');
  writeFileSync(
    config,
    [
      'version = 2',
      `root = "${join(dir, 'root')}"`,
      `state = "${join(dir, 'state')}"`,
      // CRI wants CNI and a kubelet; ctr needs neither.
      'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
      '[grpc]',
      `  address = "${join(dir, 'containerd.sock')}"`,
      '[ttrpc]',
      `  address = "${join(dir, 'containerd.sock.ttrpc')}"`,
      // Its default is /opt/containerd, outside our directory.
      '[plugins."io.containerd.internal.v1.opt"]',
      `  path = "${join(dir, 'opt')}"`,
      '',
    ].join('\n'),
  );
  return config;
}

/** Starts containerd and runs the ctr checks; records a failure (CI) or a skip when containerd is not installed. */
export async function checkContainerd(context: ClientCheckContext): Promise<void> {
  const { runner, host, tokenLog } = context;
  if (!existsSync(CONTAINERD) || !existsSync(CTR)) {
    missingClient(context, 'ctr (containerd)', `${CONTAINERD} or ${CTR} not found (Debian package containerd)`);
    return;
  }
  const dir = join(context.work, 'containerd');
  mkdirSync(dir, { recursive: true });
  const socket = join(dir, 'containerd.sock');
  const daemon = startDaemon(CONTAINERD, ['--config', writeConfig(dir)], join(dir, 'containerd.log'), LIFETIME_MS);
  context.onCleanup(() => daemon.stop());
  // The native snapshotter copies layers into plain directories: no overlay mount, which a sandbox may not allow.
  const ctr = (args: ReadonlyArray<string>) =>
    context.run(CTR, ['--address', socket, '--namespace', 'oat-e2e', ...args]);
  const started = await runner.check('containerd starts with a temporary root and state', () =>
    waitUntil('containerd to answer ctr version', async () => (await ctr(['version'])).code === 0, 20_000),
  );
  if (!started) return;

  // ctr takes a password only on its command line (or from a terminal): the token is a throwaway of this run.
  const user = (secret: string) => ['--user', `acme:${secret}`];
  const image = (repository: string, tag: string) => `${host}/${repository}:${tag}`;
  const viaPostOnly = (mark: number): void => {
    const seen = tokenLog.since(mark);
    if (seen.length === 0 || seen.some((r) => r.method !== 'POST' || r.grantType !== 'password' || r.status !== 200)) {
      throw new Error(
        `expected only POST /token with grant_type=password answered 200, got ${describeTokenRequests(seen)}`,
      );
    }
  };

  await runner.check(
    'ctr images pull fetches what skopeo pushed, with a registry token from POST /token (grant_type=password)',
    async () => {
      const mark = tokenLog.mark();
      expectSuccess(
        await ctr([
          'images',
          'pull',
          '--plain-http',
          '--snapshotter',
          'native',
          ...user(context.appSecret),
          image('acme/app', 'v1'),
        ]),
      );
      viaPostOnly(mark);
      const listed = await ctr(['images', 'ls']);
      expectSuccess(listed);
      const line = listed.stdout.split('\n').find((l) => l.startsWith(`${image('acme/app', 'v1')} `)) ?? '';
      if (!line.includes(context.manifestDigest))
        throw new Error(`ctr lists ${JSON.stringify(line)}, expected digest ${context.manifestDigest}`);
    },
  );
  await runner.check(
    'ctr images push uploads to a repository an acme/* token may push, through POST /token',
    async () => {
      expectSuccess(await ctr(['images', 'tag', image('acme/app', 'v1'), image('acme/from-ctr', 'v1')]));
      const mark = tokenLog.mark();
      expectSuccess(
        await ctr(['images', 'push', '--plain-http', ...user(context.globSecret), image('acme/from-ctr', 'v1')]),
      );
      viaPostOnly(mark);
      const remote = await context.remoteDigest('acme/from-ctr:v1');
      if (remote !== context.manifestDigest)
        throw new Error(`registry holds ${remote}, expected ${context.manifestDigest}`);
    },
  );
  await runner.check('ctr images push to a pull-only repository is refused by the registry', async () => {
    expectSuccess(await ctr(['images', 'tag', image('acme/app', 'v1'), image('acme/readonly', 'v1')]));
    expectFailure(
      await ctr(['images', 'push', '--plain-http', ...user(context.appSecret), image('acme/readonly', 'v1')]),
      'insufficient_scope',
    );
  });
  await runner.check('ctr with a wrong token is refused on POST, falls back to GET, and is refused again', async () => {
    const mark = tokenLog.mark();
    expectFailure(
      await ctr([
        'images',
        'pull',
        '--plain-http',
        '--snapshotter',
        'native',
        ...user(context.wrongSecret),
        image('acme/app', 'v1'),
      ]),
      '401 Unauthorized',
    );
    const seen = tokenLog.since(mark);
    const post = seen.findIndex((r) => r.method === 'POST' && r.status === 401);
    if (post < 0 || !seen.slice(post + 1).some((r) => r.method === 'GET' && r.status === 401)) {
      throw new Error(`expected POST=401 then GET=401, got ${describeTokenRequests(seen)}`);
    }
  });
}
