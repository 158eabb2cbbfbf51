// @ts-check
/**
 * A registry token server in one file: Docker Hub's access-token API
 * (`/v2/orgs/{org}/access-tokens`) and a registry token endpoint (`/token`)
 * over one SQLite file, on Hono. Configured by environment variables; see
 * README.md beside this file.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { serve } from '@hono/node-server';
import Database from 'better-sqlite3';
import { Hono } from 'hono';
import { createTokenService, isOatError } from 'org-access-tokens';
import { createHubApi } from 'org-access-tokens/hub-api';
import { createTokenEndpoint } from 'org-access-tokens/registry';
import { createSqliteTokenStore } from 'org-access-tokens/sqlite';

/** @param {string} name @param {string} fallback */
const setting = (name, fallback) => process.env[name] || fallback;

const config = {
  host: setting('HOST', '127.0.0.1'),
  port: Number(setting('PORT', '5001')),
  database: setting('OAT_DATABASE', 'data/tokens.db'),
  // Must equal the registry's auth.token.service and auth.token.issuer (config.yml).
  service: setting('OAT_SERVICE', 'registry.example.test'),
  issuer: setting('OAT_ISSUER', 'oat-example-issuer'),
  signingKey: setting('OAT_SIGNING_KEY', 'certs/token.key'),
  certificate: setting('OAT_CERTIFICATE', 'certs/token.crt'),
  organization: setting('OAT_ORGANIZATION', 'acme'),
  owner: setting('OAT_OWNER', 'alice'),
};

// A PLACEHOLDER for the host's own sign-in (sessions, OIDC, ...): one static
// bearer token that acts as the organization's owner on the Hub API. Never
// used by registry clients, which log in with organization access tokens.
const adminToken = process.env.OAT_ADMIN_TOKEN ?? '';
if (adminToken.length < 32) {
  console.error('OAT_ADMIN_TOKEN must be set to a random string of at least 32 characters (openssl rand -hex 32)');
  process.exit(1);
}
const digest = (/** @type {string} */ value) => createHash('sha256').update(value).digest();
const adminDigest = digest(adminToken);
/** @param {Request} request */
function authenticateCaller(request) {
  const header = request.headers.get('authorization') ?? '';
  if (!header.startsWith('Bearer ')) return null;
  // Compared as digests: equal lengths, and a constant-time comparison.
  return timingSafeEqual(digest(header.slice('Bearer '.length)), adminDigest) ? { username: config.owner } : null;
}

/**
 * Faults answered with 500. The library never puts a secret or a request header in them.
 * @param {unknown} error
 * @param {{ method: string, url: string }} request
 */
function logFault(error, request) {
  const what = isOatError(error) ? `${error.code} ${error.message}` : String(error);
  console.error(`${request.method} ${request.url}: ${what}`);
}

mkdirSync(dirname(config.database), { recursive: true });
const db = new Database(config.database);
const service = createTokenService({
  store: createSqliteTokenStore(db, { migrate: true }),
  organizations: [{ name: config.organization, plan: 'business', owners: [config.owner] }],
});

const hubApi = createHubApi({ service, authenticateCaller, onError: logFault });
const tokenEndpoint = createTokenEndpoint({
  tokenService: service,
  audience: config.service,
  issuer: config.issuer,
  signingKey: readFileSync(config.signingKey, 'utf8'),
  certificateChain: readFileSync(config.certificate, 'utf8'),
  onError: logFault,
});

const app = new Hono();
app.get('/healthz', (c) => c.text('ok'));
// The registry's realm (auth.token.realm): docker, skopeo, podman and containerd ask here.
app.all('/token', (c) => tokenEndpoint(c.req.raw));
app.all('/v2/orgs/*', (c) => hubApi(c.req.raw));

const server = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, (info) => {
  const who = `organization ${config.organization}, owner ${config.owner}`;
  console.log(`listening on http://${info.address}:${info.port} (${who})`);
});

function shutdown() {
  server.close(() => {
    db.close();
    process.exit(0);
  });
}
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
