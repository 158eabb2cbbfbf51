import fc from 'fast-check';
import {
  NAME_POOL,
  ORGS,
  fail,
  expectOutcome,
  holderOf,
  live,
  nameOf,
  publishDirectory,
  resolveName,
  type ModelOrganization,
  type ServiceModel,
  type ServiceReal,
} from './world.js';

/**
 * The host renames the organization in a slot to a name nobody holds now, possibly one another organization gave up.
 */
export class RenameCommand implements fc.AsyncCommand<ServiceModel, ServiceReal> {
  constructor(
    readonly slot: string,
    readonly pick: number,
  ) {}
  check = () => true;
  async run(m: ServiceModel, r: ServiceReal): Promise<void> {
    const org = holderOf(m, this.slot);
    const free = NAME_POOL.filter((n) => resolveName(m, n) === null);
    const name = free[this.pick % free.length] as string;
    r.tally(m.organizations.some((o) => o !== org && o.names.includes(name)) ? 'rename:freed-name' : 'rename');
    org.names.push(name);
    publishDirectory(m, r);
  }
  toString = () => `rename(${this.slot}, free name #${this.pick})`;
}

/**
 * The organization in a slot leaves the directory and a new one (a new id,
 * the same rules) takes its name: the new holder starts with no tokens, and
 * the old tokens stay the old id's, counted against it until purged.
 */
export class SucceedCommand implements fc.AsyncCommand<ServiceModel, ServiceReal> {
  constructor(readonly slot: string) {}
  check = () => true;
  async run(m: ServiceModel, r: ServiceReal): Promise<void> {
    const old = holderOf(m, this.slot);
    old.inDirectory = false;
    const successor: ModelOrganization = {
      id: `org-${m.organizations.length + 1}`,
      slot: old.slot,
      names: [nameOf(old)],
      inDirectory: true,
      cap: old.cap,
    };
    m.organizations.push(successor);
    publishDirectory(m, r);
    r.tally('succeed');
  }
  toString = () => `succeed(${this.slot})`;
}

/** `purgeOrganization` of an id, in the directory or not: every live token of it deleted, its quota freed. */
export class PurgeCommand implements fc.AsyncCommand<ServiceModel, ServiceReal> {
  constructor(readonly pick: number) {}
  check = () => true;
  async run(m: ServiceModel, r: ServiceReal): Promise<void> {
    const org = m.organizations[this.pick % m.organizations.length] as ModelOrganization;
    const expected = live(m, org.id);
    const purge = await expectOutcome(r, null, () => r.service.purgeOrganization(org.id), this.toString());
    if (purge?.organizationId !== org.id || purge.deleted !== expected)
      fail(`${this} deleted ${String(purge?.deleted)} tokens of ${org.id}, model says ${expected}`);
    for (const t of m.tokens) if (t.orgId === org.id) t.state = 'deleted';
    r.tally(expected > 0 ? 'purge:deleted' : 'purge:none');
  }
  toString = () => `purge(organization #${this.pick})`;
}

/** The host changes an organization's lifetime cap (`undefined`: the profile drops the field, `null`: no cap). */
export class CapCommand implements fc.AsyncCommand<ServiceModel, ServiceReal> {
  constructor(
    readonly slot: string,
    readonly days: number | null | undefined,
  ) {}
  check = () => true;
  async run(m: ServiceModel, r: ServiceReal): Promise<void> {
    holderOf(m, this.slot).cap = this.days;
    publishDirectory(m, r);
    r.tally('cap');
  }
  toString = () => `cap(${this.slot}, ${String(this.days)} days)`;
}

/**
 * Arbitraries of the directory's changes: renames, successions, purges and
 * lifetime caps, mostly on the slots that hold tokens (acme, globex).
 */
export function identityCommands(): Array<fc.Arbitrary<fc.AsyncCommand<ServiceModel, ServiceReal>>> {
  const slot = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom('acme', 'globex') },
    { weight: 1, arbitrary: fc.constantFrom(...ORGS) },
  );
  return [
    fc.tuple(slot, fc.nat({ max: 3 })).map(([s, p]) => new RenameCommand(s, p)),
    slot.map((s) => new SucceedCommand(s)),
    fc.nat({ max: 7 }).map((p) => new PurgeCommand(p)),
    fc
      .tuple(slot, fc.constantFrom<number | null | undefined>(undefined, null, 1, 30, 60))
      .map(([s, d]) => new CapCommand(s, d)),
  ];
}
