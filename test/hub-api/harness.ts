import { afterEach } from 'vitest';
import type { OrganizationProfile } from '../../src/core/access.js';
import type { PolicyOptions } from '../../src/core/policy.js';
import { createHubApi, type HubApiService, type RequestSummary } from '../../src/hub-api/index.js';
import { serveNode } from '../../src/http/index.js';
import {
  createMemoryTokenStore,
  createTokenService,
  type OrganizationDirectory,
  type TokenService,
  type TokenStore,
} from '../../src/index.js';
import { conforming } from '../support/openapi-contract.js';

/** Organizations every test server knows. alice owns them all; bob owns none; carol manages acme's tokens only. */
export const ORGANIZATIONS: ReadonlyArray<OrganizationProfile> = [
  { id: 'acme', name: 'acme', plan: 'business', owners: ['alice'], tokenManagers: [{ username: 'carol' }] },
  { id: 'small', name: 'small', plan: 'team', owners: ['alice'] },
  { id: 'free', name: 'free', plan: 'free', owners: ['alice'] },
  { id: 'locked', name: 'locked', plan: 'business', owners: ['alice'], imageAccessManagement: true },
];

export const START = Date.parse('2025-01-01T00:00:00.000Z');

export const REPO_PULL = { type: 'TYPE_REPO', path: 'acme/app', scopes: ['scope-image-pull'] } as const;

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** The parsed body, or `undefined` when it is empty. */
  readonly body: any;
}

export interface CallOptions {
  /** Username sent as `authorization: Bearer <username>`; omitted: anonymous. */
  readonly as?: string;
  /** JSON-encoded and sent as application/json. */
  readonly json?: unknown;
  /** Sent as is. */
  readonly raw?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface Hub {
  readonly url: string;
  readonly service: TokenService;
  readonly store: TokenStore;
  /** Moves the service's clock. */
  advance(ms: number): void;
  now(): number;
  call(method: string, path: string, options?: CallOptions): Promise<Reply>;
  /** Every reply seen so far, in order. */
  readonly replies: Reply[];
}

export interface HubSetup {
  readonly policy?: PolicyOptions;
  /** Default {@link ORGANIZATIONS}; a directory when a test renames organizations or gives names away. */
  readonly organizations?: ReadonlyArray<OrganizationProfile> | OrganizationDirectory;
  readonly basePath?: string;
  readonly authenticateCaller?: (request: Request) => unknown;
  readonly onError?: (error: unknown, request: RequestSummary) => void;
  readonly wrap?: (service: TokenService) => HubApiService;
  /** Builds the service with rotation on and serves the rotate extension. */
  readonly rotation?: boolean;
}

const open: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((close) => close()));
});

/** The test authenticator: `authorization: Bearer <username>`. */
export function bearerActor(request: Request): { username: string } | null {
  const match = /^Bearer (\S+)$/.exec(request.headers.get('authorization') ?? '');
  if (match === null) return null;
  return { username: match[1] as string };
}

/** Starts the Hub API on 127.0.0.1 over a fresh in-memory service; stopped after each test. */
export async function startHub(setup: HubSetup = {}): Promise<Hub> {
  let now = START;
  const store = createMemoryTokenStore();
  const service = createTokenService({
    store,
    organizations: setup.organizations ?? ORGANIZATIONS,
    clock: { now: () => now },
    ...(setup.policy === undefined ? {} : { policy: setup.policy }),
    ...(setup.rotation === true ? { rotation: { maxGraceSeconds: 3_600 } } : {}),
  });
  // Every response is checked against docs/openapi.json; one that does not conform fails the test.
  const handler = conforming(
    createHubApi({
      service: setup.wrap === undefined ? service : setup.wrap(service),
      authenticateCaller: (setup.authenticateCaller ?? bearerActor) as (request: Request) => null,
      ...(setup.basePath === undefined ? {} : { basePath: setup.basePath }),
      ...(setup.onError === undefined ? {} : { onError: setup.onError }),
      ...(setup.rotation === true ? { rotation: true } : {}),
    }),
    { kind: 'hub', ...(setup.basePath === undefined ? {} : { basePath: setup.basePath }) },
  );
  const server = await serveNode(handler);
  open.push(() => server.close());
  const replies: Reply[] = [];
  return {
    url: server.url,
    service,
    store,
    replies,
    advance: (ms) => {
      now += ms;
    },
    now: () => now,
    async call(method, path, options = {}) {
      const headers: Record<string, string> = { ...(options.headers ?? {}) };
      if (options.as !== undefined) headers.authorization = `Bearer ${options.as}`;
      let body: string | undefined;
      if (options.json !== undefined) {
        headers['content-type'] ??= 'application/json';
        body = JSON.stringify(options.json);
      } else if (options.raw !== undefined) {
        body = options.raw;
      }
      const response = await fetch(`${server.url}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
      });
      const text = await response.text();
      const reply: Reply = {
        status: response.status,
        headers: response.headers,
        text,
        body: text === '' ? undefined : JSON.parse(text),
      };
      replies.push(reply);
      return reply;
    },
  };
}

/** Creates a token in `org` as alice and returns the 201 body. */
export async function createToken(hub: Hub, org = 'acme', input: Record<string, unknown> = {}): Promise<any> {
  const reply = await hub.call('POST', `/v2/orgs/${org}/access-tokens`, {
    as: 'alice',
    json: { label: 'ci', resources: [{ ...REPO_PULL, path: `${org}/app` }], ...input },
  });
  if (reply.status !== 201) throw new Error(`create failed: ${reply.status} ${reply.text}`);
  return reply.body;
}
