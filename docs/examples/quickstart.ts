import { createMemoryTokenStore, createTokenService } from 'org-access-tokens';

const service = createTokenService({
  store: createMemoryTokenStore(),
  organizations: [{ name: 'acme', plan: 'business', owners: ['alice'] }],
});
const alice = { username: 'alice' };
const { token, secret } = await service.create(alice, 'acme', {
  label: 'ci',
  resources: [{ type: 'repository', path: 'acme/app', scopes: ['scope-image-push'] }],
});
console.log('created', token.id, token.displayPrefix, JSON.stringify(secret));
const login = await service.authenticate('acme', secret.reveal());
console.log('login', login.ok);
if (login.ok) {
  console.log('push acme/app', service.authorize(login.principal, { repository: 'acme/app' }, 'push'));
  console.log('push acme/other', service.authorize(login.principal, { repository: 'acme/other' }, 'push'));
}
