// An ESM consumer: every entry through its .d.ts, the ESM-only testing kit included.
import { createPolicy, type CreateTokenRequest } from 'org-access-tokens';
import { createHubApi } from 'org-access-tokens/hub-api';
import { createTokenEndpoint } from 'org-access-tokens/registry';
import { createSqliteTokenStore } from 'org-access-tokens/sqlite';
import { createPostgresTokenStore } from 'org-access-tokens/postgres';
import { createInputArbitrary } from 'org-access-tokens/testing';

const request: CreateTokenRequest = {
  label: 'ci',
  resources: [{ type: 'TYPE_REPO', path: 'acme/app', scopes: ['repo-pull'] }],
};
export const used = [
  createPolicy(),
  request,
  createHubApi,
  createTokenEndpoint,
  createSqliteTokenStore,
  createPostgresTokenStore,
  createInputArbitrary,
];
