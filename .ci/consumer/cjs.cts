// A CommonJS consumer: every entry with a "require" condition, through its .d.cts.
import {
  createPolicy,
  createTokenService,
  createMemoryTokenStore,
  type CreateTokenRequest,
  type TokenPolicy,
} from 'org-access-tokens';
import { createHubApi } from 'org-access-tokens/hub-api';
import { createTokenEndpoint } from 'org-access-tokens/registry';
import { createSqliteTokenStore } from 'org-access-tokens/sqlite';
import { createPostgresTokenStore } from 'org-access-tokens/postgres';

const policy: TokenPolicy = createPolicy({ maxExpiry: { days: 30 } });
const request: CreateTokenRequest = {
  label: 'ci',
  resources: [{ type: 'repository', path: 'acme/app', scopes: ['pull'] }],
  expiry: '30d',
};
export const used = [
  policy,
  request,
  createTokenService,
  createMemoryTokenStore,
  createHubApi,
  createTokenEndpoint,
  createSqliteTokenStore,
  createPostgresTokenStore,
];
