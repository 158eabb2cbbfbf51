/**
 * podman (rootful) against the registry: login, pull, push and a refused
 * login. Its storage is a temporary vfs root, so nothing touches the host's
 * images and no overlay mount is needed.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { expectFailure, expectSuccess } from '../support/checks.js';
import { missingClient, type ClientCheckContext } from './context.js';

const PODMAN = '/usr/bin/podman';

/** Runs the podman checks; records a failure (CI) or a skip when podman is not installed. */
export async function checkPodman(context: ClientCheckContext): Promise<void> {
  const { runner, host } = context;
  if (!existsSync(PODMAN)) {
    missingClient(context, 'podman', `${PODMAN} not found (Debian package podman)`);
    return;
  }
  const dir = join(context.work, 'podman');
  for (const sub of ['root', 'run', 'tmp']) mkdirSync(join(dir, sub), { recursive: true });
  const authfile = join(dir, 'auth.json');
  const podman = (args: ReadonlyArray<string>, input?: string) =>
    context.run(
      PODMAN,
      [
        '--root',
        join(dir, 'root'),
        '--runroot',
        join(dir, 'run'),
        '--tmpdir',
        join(dir, 'tmp'),
        '--storage-driver',
        'vfs',
        '--events-backend',
        'none',
        ...args,
      ],
      input,
    );
  const login = (secret: string) =>
    podman(
      ['login', '--tls-verify=false', '--authfile', authfile, '--username', 'acme', '--password-stdin', host],
      secret,
    );
  const image = (repository: string, tag: string) => `${host}/${repository}:${tag}`;

  await runner.check('podman login fails for a wrong token', async () =>
    expectFailure(await login(context.wrongSecret), 'invalid username/password'),
  );
  const loggedIn = await runner.check(
    'podman login succeeds with the organization name and an active token',
    async () => expectSuccess(await login(context.appSecret)),
  );
  if (!loggedIn) return;
  await runner.check('podman pull fetches what skopeo pushed', async () => {
    expectSuccess(await podman(['pull', '--tls-verify=false', '--authfile', authfile, image('acme/app', 'v1')]));
    const digest = await podman(['image', 'inspect', '--format', '{{.Digest}}', image('acme/app', 'v1')]);
    expectSuccess(digest);
    if (digest.stdout.trim() !== context.manifestDigest)
      throw new Error(`podman holds ${digest.stdout.trim()}, expected ${context.manifestDigest}`);
  });
  await runner.check('podman push to a granted repository succeeds and the registry serves it', async () => {
    expectSuccess(await podman(['tag', image('acme/app', 'v1'), image('acme/app', 'podman')]));
    expectSuccess(await podman(['push', '--tls-verify=false', '--authfile', authfile, image('acme/app', 'podman')]));
    await context.remoteDigest('acme/app:podman');
  });
  await runner.check('podman push to a pull-only repository is denied', async () => {
    expectSuccess(await podman(['tag', image('acme/app', 'v1'), image('acme/readonly', 'podman')]));
    expectFailure(
      await podman(['push', '--tls-verify=false', '--authfile', authfile, image('acme/readonly', 'podman')]),
      'denied',
    );
  });
}
