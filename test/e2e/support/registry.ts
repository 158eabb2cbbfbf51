import { readFileSync } from 'node:fs';
import { startDaemon, waitUntil, type Daemon } from './process.js';

/** Debian's build of CNCF distribution 2.8. */
export const REGISTRY_BIN = '/usr/bin/docker-registry';

/** Options of {@link startRegistry}. */
export interface StartRegistryOptions {
  /** The registry's config.yml. */
  readonly config: string;
  /** `127.0.0.1:<port>`: overrides `http.addr` of the config. */
  readonly host: string;
  /** Appended to by the registry. */
  readonly log: string;
  readonly lifetimeMs: number;
  /** Where relative paths of the config resolve. */
  readonly cwd?: string;
  /** `REGISTRY_*` overrides of config keys (distribution reads `REGISTRY_AUTH_TOKEN_REALM` as `auth.token.realm`). */
  readonly overrides?: Readonly<Record<string, string>>;
}

/** A running registry from {@link startRegistry}. */
export interface RunningRegistry {
  readonly daemon: Daemon;
  /** The last `lines` lines of its log, for a failure report. */
  tail(lines?: number): string;
}

/** Starts `docker-registry serve` and resolves once `/v2/` answers 401, as a registry with token auth does. */
export async function startRegistry(options: StartRegistryOptions): Promise<RunningRegistry> {
  const env = { ...process.env, ...options.overrides, REGISTRY_HTTP_ADDR: options.host };
  const daemon = startDaemon(REGISTRY_BIN, ['serve', options.config], options.log, options.lifetimeMs, {
    env,
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });
  const tail = (lines = 15): string => readFileSync(options.log, 'utf8').trim().split('\n').slice(-lines).join('\n');
  try {
    await waitUntil('the registry to answer /v2/ with 401', async () => {
      if (daemon.child.exitCode !== null) throw new Error('the registry exited');
      const reply = await fetch(`http://${options.host}/v2/`, { signal: AbortSignal.timeout(2_000) });
      await reply.body?.cancel();
      return reply.status === 401;
    });
  } catch (error) {
    await daemon.stop();
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n${tail()}`);
  }
  return { daemon, tail };
}
