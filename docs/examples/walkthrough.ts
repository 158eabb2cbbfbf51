/**
 * `npm run example`: organization access tokens end to end on the in-memory
 * default. Every step prints what happened; nothing here needs a database.
 */
import {
  createMemoryTokenStore,
  createTokenService,
  isOatError,
  type AuthenticationResult,
  type TokenEvent,
} from 'org-access-tokens';

const events: TokenEvent[] = [];
const service = createTokenService({
  store: createMemoryTokenStore(),
  // The host's organizations: the library reads them, it never keeps a copy.
  organizations: [
    { name: 'acme', plan: 'business', owners: ['alice'] },
    { name: 'tinyco', plan: 'team', owners: ['tom'] },
  ],
  events: { emit: (event) => events.push(event) },
  policy: { tokenPrefix: 'dckr_oat_' },
});
const alice = { username: 'alice' };
const step = (title: string) => console.log(`\n== ${title}`);

step('1. An owner of the Business organization "acme" creates two tokens');
const ci = await service.create(alice, 'acme', {
  label: 'CI pipeline',
  description: 'Builds and pushes acme/app',
  expiry: '90d',
  resources: [
    { type: 'repository', path: 'acme/app', scopes: ['scope-image-push'] },
    { type: 'repository', path: 'acme/*', scopes: ['scope-image-pull'] },
    { type: 'repository', path: '*/*/public', scopes: ['scope-image-pull'] },
  ],
});
// Docker Hub's JSON shape is accepted as it is.
const admin = await service.create(alice, 'acme', {
  label: 'Member sync',
  resources: [
    { type: 'TYPE_REPO', path: 'acme/docs', scopes: ['repo-pull'] },
    { type: 'TYPE_ORG', path: 'acme', scopes: ['scope-member-edit', 'scope-group-read'] },
  ],
  expires_at: null,
});
console.log(
  `created "${ci.token.label}" (${ci.token.displayPrefix}…), expires ` +
    `${ci.token.expiresAt === null ? 'never' : new Date(ci.token.expiresAt).toISOString()}`,
);
console.log(`created "${admin.token.label}" (${admin.token.displayPrefix}…), never expires`);
console.log('the secret is shown once; JSON.stringify of the result prints', JSON.stringify({ secret: ci.secret }));

step('2. docker login --username acme, with the token as password');
const describe = (result: AuthenticationResult) =>
  result.ok
    ? `ok, principal is token ${result.principal.tokenId} of ${result.principal.organization}`
    : `refused (${result.code})`;
const login = await service.authenticate('acme', ci.secret.reveal());
console.log('login as acme:', describe(login));
console.log('login as ACME (case-insensitive):', describe(await service.authenticate('ACME', ci.secret.reveal())));
console.log('login as globex with the same token:', describe(await service.authenticate('globex', ci.secret.reveal())));
console.log(
  'login with a mistyped token:',
  describe(await service.authenticate('acme', ci.secret.reveal().slice(0, -1) + 'x')),
);

step('3. Pull and push decisions for the CI token');
if (login.ok) {
  const ask = (repository: string, action: string, visibility: 'public' | 'private' = 'private') => {
    const decision = service.authorize(login.principal, { repository, visibility }, action);
    console.log(
      `${action.padEnd(4)} ${repository.padEnd(18)} ${visibility.padEnd(7)} -> ` +
        `${decision.allowed ? 'allowed' : `denied (${decision.code})`}`,
    );
  };
  ask('acme/app', 'push');
  ask('acme/app', 'pull');
  ask('acme/web', 'pull');
  ask('acme/web', 'push');
  ask('library/nginx', 'pull', 'public');
  ask('library/nginx', 'push', 'public');
  ask('globex/secret', 'pull');
}
const adminLogin = await service.authenticate('acme', admin.secret.reveal());
if (adminLogin.ok) {
  console.log(
    'member-read on acme (member-edit includes it):',
    service.authorizeOrganization(adminLogin.principal, 'scope-member-read'),
  );
  console.log('invite-edit on acme:', service.authorizeOrganization(adminLogin.principal, 'scope-invite-edit'));
}

step('4. A Team organization stops at 10 tokens');
for (let i = 1; i <= 10; i++) {
  await service.create({ username: 'tom' }, 'tinyco', {
    label: `worker ${i}`,
    resources: [{ type: 'repository', path: 'tinyco/app', scopes: ['pull'] }],
  });
}
try {
  await service.create({ username: 'tom' }, 'tinyco', {
    label: 'one too many',
    resources: [{ type: 'repository', path: 'tinyco/app', scopes: ['pull'] }],
  });
} catch (error) {
  if (!isOatError(error)) throw error;
  console.log(
    `11th token refused: ${error.code} (limit ${String(error.context.limit)}, count ${String(error.context.count)})`,
  );
}

step('5. Deactivate, then delete');
await service.deactivate(alice, 'acme', ci.token.id);
console.log('after deactivation, login:', describe(await service.authenticate('acme', ci.secret.reveal())));
try {
  await service.update(alice, 'acme', ci.token.id, { label: 'try to edit' });
} catch (error) {
  if (!isOatError(error)) throw error;
  console.log(`editing an inactive token: ${error.code} (rule ${String(error.context.rule)})`);
}
await service.delete(alice, 'acme', ci.token.id);
console.log('after deletion, login:', describe(await service.authenticate('acme', ci.secret.reveal())));
const page = await service.list(alice, 'acme');
console.log(`acme now lists ${page.total} token(s): ${page.items.map((t) => t.label).join(', ')}`);

step('6. The audit trail (token ids and fingerprints, never secrets)');
const shown = events.filter((e) => !('organization' in e) || e.organization === 'acme');
for (const event of shown.filter((e) => e.type !== 'access_token.authenticate' || e.outcome === 'failure')) {
  const detail =
    event.type === 'access_token.authenticate' && event.outcome === 'failure'
      ? `failure ${event.code}`
      : 'actor' in event
        ? `by ${event.actor}`
        : '';
  console.log(
    `${new Date(event.at).toISOString()} ${event.type.padEnd(28)} token ${event.tokenId ?? '-'} fp ` +
      `${event.fingerprint ?? '-'} ${detail}`,
  );
}
const leaked = JSON.stringify(events).includes(ci.secret.reveal());
console.log(`${events.length} events in all; any secret in them? ${leaked ? 'YES (bug)' : 'no'}`);
if (leaked) process.exitCode = 1;
