import fc from 'fast-check';
import type { LeakAction, LeakMode } from '../../service/leak-report.js';
import { fail, statusIn, type ModelToken, type ServiceModel, type ServiceReal } from './world.js';

const FOUND = 'https://github.com/octo/app/blob/0123456789abcdef0123456789abcdef01234567/.env';

/**
 * A secret scanner reports a token found in public (`reportLeaked`): one of
 * the model's tokens (`pick`, or the newest) or a well-formed token nobody
 * issued. No actor, so no organization rule applies: a live token is
 * deactivated in `revoke` mode (both model lifecycles allow it) and left alone
 * in `report` mode; any other state is left alone.
 */
export class LeakCommand implements fc.AsyncCommand<ServiceModel, ServiceReal> {
  constructor(
    readonly pick: number | 'newest',
    readonly secret: 'real' | 'unknown',
    readonly mode: LeakMode,
  ) {}
  check = (m: Readonly<ServiceModel>) => m.tokens.length > 0;
  async run(m: ServiceModel, r: ServiceReal): Promise<void> {
    const token = m.tokens[this.pick === 'newest' ? m.tokens.length - 1 : this.pick % m.tokens.length] as ModelToken;
    const secret = this.secret === 'real' ? token.secret : r.service.policy.format.generate(r.random);
    const events = r.events.length;
    const result = await r.service.reportLeaked(secret, { url: FOUND, source: 'commit', mode: this.mode });
    if (!result.ok) fail(`${this} gave ${result.code}`);
    const { label, action, tokenId, organizationId, organization } = result.value;
    if (this.secret === 'unknown') {
      if (label !== 'false_positive' || action !== 'NONE' || tokenId !== null)
        fail(`${this} gave ${label} ${action} for a token nobody issued`);
      if (r.events.length !== events) fail(`${this} emitted an event for a token nobody issued`);
      r.tally('leak:false_positive');
      return;
    }
    const status = statusIn(token, m.now);
    const expected: LeakAction =
      status !== 'active'
        ? `ALREADY_${status.toUpperCase() as 'INACTIVE' | 'EXPIRED' | 'DELETED'}`
        : this.mode === 'report'
          ? 'REPORTED'
          : 'DEACTIVATED';
    if (label !== 'true_positive' || action !== expected)
      fail(`${this} gave ${label} ${action}, model says true_positive ${expected}`);
    if (tokenId !== token.id || organizationId !== token.orgId || organization !== token.createdUnder)
      fail(`${this} named ${tokenId} of ${organizationId} "${organization}"`);
    const leaked = r.events[r.events.length - 1];
    if (
      leaked?.type !== 'access_token.leaked' ||
      leaked.action !== expected ||
      leaked.tokenId !== token.id ||
      leaked.url !== FOUND
    )
      fail(`${this} did not end with its leak event`);
    if (expected === 'DEACTIVATED') token.state = 'inactive';
    r.tally(`leak:${expected}`);
  }
  toString = () => `reportLeaked(#${this.pick}, ${this.secret}, ${this.mode})`;
}

/** The leak report command, mostly about tokens the run holds. */
export const leakCommand = (): fc.Arbitrary<fc.AsyncCommand<ServiceModel, ServiceReal>> =>
  fc
    .tuple(
      fc.oneof({ weight: 4, arbitrary: fc.nat({ max: 3 }) }, { weight: 1, arbitrary: fc.nat() }),
      fc.constantFrom('real', 'real', 'real', 'unknown') as fc.Arbitrary<'real' | 'unknown'>,
      fc.constantFrom<LeakMode>('revoke', 'report'),
    )
    .map(([pick, secret, mode]) => new LeakCommand(pick, secret, mode));
