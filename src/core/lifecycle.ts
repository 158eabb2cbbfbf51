import { OatError } from '../errors.js';
import type { UpdateTokenInput } from './requests.js';
import {
  TOKEN_STATES,
  statusOf,
  type AccessTokenRecord,
  type EpochMillis,
  type TokenState,
  type TokenStatus,
} from './token.js';

/** What a caller may do to a token. `create` applies to no token yet. */
export type LifecycleOperation = 'create' | 'update' | 'deactivate' | 'reactivate' | 'delete';

/** Every operation, in a fixed order. */
export const LIFECYCLE_OPERATIONS: ReadonlyArray<LifecycleOperation> = Object.freeze([
  'create',
  'update',
  'deactivate',
  'reactivate',
  'delete',
] as const);

/** The status a transition starts from: `none` for a token that does not exist yet. */
export type TransitionSource = TokenStatus | 'none';

/**
 * Every code with which the built-in lifecycles deny an operation. A custom
 * lifecycle may use these and codes of its own (UPPER_SNAKE, checked by
 * when `createPolicy` takes them); it names them in its type parameter, so a
 * switch over its decisions stays exhaustive.
 */
export const TRANSITION_DENIAL_CODES = Object.freeze([
  'TOKEN_NOT_FOUND',
  'TOKEN_ALREADY_EXISTS',
  'ALREADY_ACTIVE',
  'ALREADY_INACTIVE',
  'INACTIVE_IS_DELETE_ONLY',
  'EXPIRED_IS_DELETE_ONLY',
  'DELETED_IS_FINAL',
  'DEACTIVATE_BEFORE_DELETE',
] as const);

/** Why a built-in lifecycle denies an operation. */
export type TransitionDenialCode = (typeof TRANSITION_DENIAL_CODES)[number];

/**
 * One cell of a transition table: the state the operation leads to, or the
 * code of the rule that forbids it. `Code` is the table's closed list of
 * denial codes: {@link TransitionDenialCode} for the presets, wider for a
 * custom table (`LifecyclePolicy<TransitionDenialCode | 'GRANTS_ARE_FROZEN'>`).
 */
export type TransitionRule<Code extends string = TransitionDenialCode> =
  | { readonly to: TokenState }
  | { readonly deny: Code };

/** A full transition table: for each source status, what each operation does. */
export type TransitionTable<Code extends string = TransitionDenialCode> = Readonly<
  Record<TransitionSource, Readonly<Record<LifecycleOperation, TransitionRule<Code>>>>
>;

/** A named lifecycle policy whose denials carry codes from `Code`. */
export interface LifecyclePolicy<Code extends string = TransitionDenialCode> {
  readonly name: string;
  readonly table: TransitionTable<Code>;
}

/** The names of the built-in lifecycle presets. */
export type LifecyclePresetName = 'seed' | 'docker-hub-current' | 'deactivate-before-delete';

/** The outcome of {@link decideTransition}: the next state, or the code of the rule that denied it. */
export type TransitionDecision<Code extends string = TransitionDenialCode> =
  | { readonly allowed: true; readonly from: TransitionSource; readonly to: TokenState }
  | {
      readonly allowed: false;
      readonly code: Code;
      readonly from: TransitionSource;
      readonly operation: LifecycleOperation;
    };

const to = (state: TokenState): TransitionRule => ({ to: state });
const deny = (code: TransitionDenialCode): TransitionRule => ({ deny: code });

const row = (
  create: TransitionRule,
  update: TransitionRule,
  deactivate: TransitionRule,
  reactivate: TransitionRule,
  del: TransitionRule,
): Record<LifecycleOperation, TransitionRule> => ({ create, update, deactivate, reactivate, delete: del });

const EXISTS = deny('TOKEN_ALREADY_EXISTS');
const NONE = row(
  to('active'),
  deny('TOKEN_NOT_FOUND'),
  deny('TOKEN_NOT_FOUND'),
  deny('TOKEN_NOT_FOUND'),
  deny('TOKEN_NOT_FOUND'),
);
const DELETED = row(
  EXISTS,
  deny('DELETED_IS_FINAL'),
  deny('DELETED_IS_FINAL'),
  deny('DELETED_IS_FINAL'),
  deny('DELETED_IS_FINAL'),
);
const EXPIRED = row(
  EXISTS,
  deny('EXPIRED_IS_DELETE_ONLY'),
  deny('EXPIRED_IS_DELETE_ONLY'),
  deny('EXPIRED_IS_DELETE_ONLY'),
  to('deleted'),
);

function freezeTable<Code extends string>(
  table: Record<TransitionSource, Record<LifecycleOperation, TransitionRule<Code>>>,
): TransitionTable<Code> {
  for (const source of Object.values(table)) {
    for (const cell of Object.values(source)) Object.freeze(cell);
    Object.freeze(source);
  }
  return Object.freeze(table);
}

/**
 * The seed's lifecycle, the default: an active token may be edited,
 * deactivated or deleted; an inactive one may only be deleted; deleted is
 * final; an expired token (active or inactive) may only be deleted.
 * Internal, like the two presets below (tests read them): hosts reach a
 * preset through {@link LIFECYCLE_PRESETS} or its name.
 */
export const SEED_LIFECYCLE: LifecyclePolicy = Object.freeze({
  name: 'seed',
  table: freezeTable({
    none: NONE,
    active: row(EXISTS, to('active'), to('inactive'), deny('ALREADY_ACTIVE'), to('deleted')),
    inactive: row(
      EXISTS,
      deny('INACTIVE_IS_DELETE_ONLY'),
      deny('INACTIVE_IS_DELETE_ONLY'),
      deny('INACTIVE_IS_DELETE_ONLY'),
      to('deleted'),
    ),
    expired: EXPIRED,
    deleted: DELETED,
  }),
});

/** Docker's current documented behaviour: an inactive token may also be edited and reactivated. */
export const DOCKER_HUB_CURRENT_LIFECYCLE: LifecyclePolicy = Object.freeze({
  name: 'docker-hub-current',
  table: freezeTable({
    none: NONE,
    active: row(EXISTS, to('active'), to('inactive'), deny('ALREADY_ACTIVE'), to('deleted')),
    inactive: row(EXISTS, to('inactive'), deny('ALREADY_INACTIVE'), to('active'), to('deleted')),
    expired: EXPIRED,
    deleted: DELETED,
  }),
});

/**
 * Stricter: an active token must be deactivated before it can be deleted.
 * An expired token may still be deleted directly (it can do nothing else).
 */
export const DEACTIVATE_BEFORE_DELETE_LIFECYCLE: LifecyclePolicy = Object.freeze({
  name: 'deactivate-before-delete',
  table: freezeTable({
    none: NONE,
    active: row(EXISTS, to('active'), to('inactive'), deny('ALREADY_ACTIVE'), deny('DEACTIVATE_BEFORE_DELETE')),
    inactive: row(
      EXISTS,
      deny('INACTIVE_IS_DELETE_ONLY'),
      deny('INACTIVE_IS_DELETE_ONLY'),
      deny('INACTIVE_IS_DELETE_ONLY'),
      to('deleted'),
    ),
    expired: EXPIRED,
    deleted: DELETED,
  }),
});

/**
 * The built-in presets by name: the one public way to a preset's table, to
 * decide with or to start a custom table from. `createPolicy({ lifecycle })`
 * takes the same names. Deeply frozen.
 */
export const LIFECYCLE_PRESETS: Readonly<Record<LifecyclePresetName, LifecyclePolicy>> = Object.freeze({
  seed: SEED_LIFECYCLE,
  'docker-hub-current': DOCKER_HUB_CURRENT_LIFECYCLE,
  'deactivate-before-delete': DEACTIVATE_BEFORE_DELETE_LIFECYCLE,
});

const SOURCES: ReadonlyArray<TransitionSource> = ['none', 'active', 'inactive', 'expired', 'deleted'];
// UPPER_SNAKE, like every code of the library: a host's switch reads the same whichever table denied.
const DENIAL_CODE = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/;

/**
 * Checks a custom lifecycle policy and returns a frozen copy of it. Throws
 * `MISCONFIGURED` unless every source has a cell for every operation, each
 * cell is `{ to: <stored state> }` or `{ deny: <UPPER_SNAKE code> }`, `create`
 * on no token leads to `active` (tokens are always created active), and no
 * operation leads out of `deleted` (deleted tokens no longer count toward
 * quota, so leaving `deleted` would bypass it).
 */
export function checkLifecyclePolicy<Code extends string>(policy: LifecyclePolicy<Code>): LifecyclePolicy<Code> {
  const misconfigured = (message: string): OatError =>
    new OatError('MISCONFIGURED', message, { context: { field: 'lifecycle' } });
  const table = (policy as { table?: unknown }).table;
  if (typeof table !== 'object' || table === null) throw misconfigured('A lifecycle policy needs a transition table');
  const copy = {} as Record<TransitionSource, Record<LifecycleOperation, TransitionRule<Code>>>;
  for (const source of SOURCES) {
    const cells: unknown = (table as Record<string, unknown>)[source];
    if (typeof cells !== 'object' || cells === null) throw misconfigured(`Lifecycle table has no row for "${source}"`);
    const out = {} as Record<LifecycleOperation, TransitionRule<Code>>;
    for (const operation of LIFECYCLE_OPERATIONS) {
      const rule: unknown = (cells as Record<string, unknown>)[operation];
      // Each field read once: a getter cannot pass the check with one value and be copied with another.
      const { to, deny } = typeof rule === 'object' && rule !== null ? (rule as { to?: unknown; deny?: unknown }) : {};
      if (typeof to === 'string' && (TOKEN_STATES as ReadonlyArray<string>).includes(to))
        out[operation] = { to: to as TokenState };
      else if (typeof deny === 'string' && DENIAL_CODE.test(deny)) out[operation] = { deny: deny as Code };
      else
        throw misconfigured(
          `Lifecycle cell ${source}.${operation} must be { to: state } or { deny: UPPER_SNAKE_CODE }`,
        );
    }
    copy[source] = out;
  }
  if (!('to' in copy.none.create) || copy.none.create.to !== 'active')
    throw misconfigured('Lifecycle cell none.create must be { to: "active" }');
  for (const operation of LIFECYCLE_OPERATIONS) {
    if ('to' in copy.deleted[operation])
      throw misconfigured(`Lifecycle cell deleted.${operation} must deny: deleted is final`);
  }
  return Object.freeze({ name: String(policy.name), table: freezeTable(copy) });
}

/**
 * Decides an operation on a token (or on no token, for `create`) at `now`,
 * under a lifecycle policy. Pure: the caller applies the outcome. A denial
 * carries the code of the table's cell, typed by the policy's `Code`.
 *
 * @example
 * ```ts
 * const decision = decideTransition(LIFECYCLE_PRESETS.seed, token, 'reactivate', now);
 * if (!decision.allowed) console.log(decision.code); // 'INACTIVE_IS_DELETE_ONLY'
 * ```
 */
export function decideTransition<Code extends string = TransitionDenialCode>(
  policy: LifecyclePolicy<Code>,
  token: Pick<AccessTokenRecord, 'state' | 'expiresAt'> | null,
  operation: LifecycleOperation,
  now: EpochMillis,
): TransitionDecision<Code> {
  const from: TransitionSource = token === null ? 'none' : statusOf(token, now);
  const rule = policy.table[from][operation];
  return 'to' in rule ? { allowed: true, from, to: rule.to } : { allowed: false, code: rule.deny, from, operation };
}

/** The grants as a comparable key: the same grants in another order are the same grants. */
function grantKey(
  resources: ReadonlyArray<{ readonly type: string; readonly path: string; readonly scopes: ReadonlyArray<string> }>,
): string {
  return JSON.stringify(
    resources
      .map((r) => [r.type, r.path, [...r.scopes].sort()])
      .sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)),
  );
}

/** What an update request asks of the lifecycle: the operations to decide, in order, and the fields it changes. */
export interface UpdatePlan {
  /** Empty when the request changes nothing (for example `is_active: true` on an active token). */
  readonly operations: ReadonlyArray<Exclude<LifecycleOperation, 'create'>>;
  /** Names of the fields whose value differs from the stored one. */
  readonly changed: ReadonlyArray<'label' | 'description' | 'resources' | 'allowedNetworks'>;
}

/**
 * Maps a validated update request (label, description, resources, Docker
 * Hub's `is_active`) onto lifecycle operations. Fields equal to the stored
 * ones and an `is_active` that matches the stored state ask for nothing, so a
 * repeated PATCH is a no-op rather than a write or a denial. Pure.
 *
 * @example
 * ```ts
 * planUpdate(token, { active: false, label: 'old builds' });
 * // { operations: ['update', 'deactivate'], changed: ['label'] }
 * ```
 */
export function planUpdate(
  token: Pick<AccessTokenRecord, 'state' | 'label' | 'description' | 'resources' | 'allowedNetworks'>,
  input: UpdateTokenInput,
): UpdatePlan {
  const changed: Array<'label' | 'description' | 'resources' | 'allowedNetworks'> = [];
  if (input.label !== undefined && input.label !== token.label) changed.push('label');
  if (input.description !== undefined && input.description !== token.description) changed.push('description');
  if (input.resources !== undefined && grantKey(input.resources) !== grantKey(token.resources))
    changed.push('resources');
  if (input.allowedNetworks !== undefined && input.allowedNetworks.join(' ') !== token.allowedNetworks.join(' '))
    changed.push('allowedNetworks');
  const operations: Array<Exclude<LifecycleOperation, 'create'>> = changed.length > 0 ? ['update'] : [];
  if (input.active === false && token.state !== 'inactive') operations.push('deactivate');
  if (input.active === true && token.state !== 'active') operations.push('reactivate');
  return { operations, changed };
}
