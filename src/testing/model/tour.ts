import type fc from 'fast-check';
import { AdvanceClockCommand, AuthenticateCommand, CreateCommand, ListCommand, TransitionCommand } from './commands.js';
import { CapCommand, PurgeCommand, RenameCommand, SucceedCommand } from './directory-commands.js';
import { LeakCommand } from './leak-command.js';
import { NO_ADDRESS } from './networks.js';
import { DAY, type ServiceModel, type ServiceReal } from './world.js';

/**
 * A scripted run that reaches every outcome in {@link REQUIRED_COVERAGE} under
 * either lifecycle, played before the random ones: the random runs explore,
 * the tour guarantees that no check passes without having met each path.
 */
export function tour(): Array<fc.AsyncCommand<ServiceModel, ServiceReal>> {
  return [
    new CreateCommand('acme', 'owner', '30d'),
    new CreateCommand('acme', 'token-manager', 'none'),
    new CreateCommand('acme', 'owner', '90d'),
    new CreateCommand('acme', 'owner', 'none'),
    new CreateCommand('acme', 'outsider', 'none'),
    new AuthenticateCommand(0, 'same', 'real'),
    new AuthenticateCommand(0, 'other', 'real'),
    new AuthenticateCommand(0, 'same', 'corrupted'),
    new AuthenticateCommand(0, 'swapped', 'real'),
    new AuthenticateCommand(0, 'same', 'unknown'),
    new TransitionCommand('deactivate', 1, 'owner'),
    new AuthenticateCommand(1, 'upper', 'real'),
    new TransitionCommand('deactivate', 1, 'owner'),
    new TransitionCommand('delete', 2, 'owner'),
    new TransitionCommand('update', 2, 'owner', { label: 'renamed' }),
    new CreateCommand('acme', 'pull-manager', 'none', 'default'),
    new CreateCommand('globex', 'owner', '90d'),
    new TransitionCommand('update', 0, 'token-manager', { grants: 'wide' }),
    new TransitionCommand('update', 0, 'pull-manager', { grants: 'narrow' }),
    new AdvanceClockCommand(31 * DAY),
    new AuthenticateCommand(0, 'same', 'real'),
    new ListCommand('acme', 'expired'),
    // The lifetime cap applies to logins as it is now: tightened, then loosened.
    new CreateCommand('acme', 'owner', 'none'),
    new CreateCommand('globex', 'owner', '30d'),
    new AdvanceClockCommand(2 * DAY),
    new CapCommand('acme', 1),
    new AuthenticateCommand(3, 'same', 'real'),
    new CapCommand('acme', 30),
    new AuthenticateCommand(3, 'same', 'real'),
    // acme becomes apex: its tokens follow, the old name stops working.
    new RenameCommand('acme', 0),
    new AuthenticateCommand(3, 'same', 'real'),
    new AuthenticateCommand(3, 'former', 'real'),
    new TransitionCommand('update', 3, 'owner', { label: 'ci' }, 'former'),
    new TransitionCommand('update', 3, 'owner', { label: 'renamed' }),
    new ListCommand('acme', undefined),
    // globex takes the freed name acme: it gets none of the old tokens.
    new RenameCommand('globex', 0),
    new AuthenticateCommand(3, 'former', 'real'),
    new TransitionCommand('deactivate', 3, 'owner', {}, 'former'),
    // A new organization takes the name apex; the old one's tokens stay its own until purged.
    new SucceedCommand('acme'),
    new AuthenticateCommand(3, 'same', 'real'),
    new ListCommand('acme', undefined),
    new CreateCommand('acme', 'owner', 'none'),
    new PurgeCommand(0),
    new AuthenticateCommand(3, 'same', 'real'),
    // A scanner reports the successor's new token: audited only, then deactivated, then found inactive.
    new LeakCommand('newest', 'real', 'report'),
    new LeakCommand('newest', 'real', 'revoke'),
    new LeakCommand('newest', 'real', 'revoke'),
    new LeakCommand(0, 'unknown', 'revoke'),
    // An allow-list: logins from outside it, or from nowhere known, are refused; an IPv4-mapped address inside passes.
    new CreateCommand('globex', 'owner', '30d', 'default', 'v4'),
    new AuthenticateCommand('newest', 'same', 'real', { text: '192.0.2.1', inV4Range: false, inV6Range: false }),
    new AuthenticateCommand('newest', 'same', 'real', NO_ADDRESS),
    new AuthenticateCommand('newest', 'same', 'real', { text: '::ffff:10.1.2.3', inV4Range: true, inV6Range: false }),
  ];
}
