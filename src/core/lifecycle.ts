import { statusOf, type AccessTokenRecord, type TokenState, type TokenStatus } from './token.js';

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

/** One cell of a transition table: the state the operation leads to, or the rule that forbids it. */
export type TransitionRule = { readonly to: TokenState } | { readonly deny: string };

/** A full transition table: for each source status, what each operation does. */
export type TransitionTable = Readonly<Record<TransitionSource, Readonly<Record<LifecycleOperation, TransitionRule>>>>;

/** A named lifecycle policy. */
export interface LifecyclePolicy {
  readonly name: string;
  readonly table: TransitionTable;
}

/** The names of the built-in lifecycle presets. */
export type LifecyclePresetName = 'seed' | 'docker-hub-current' | 'deactivate-before-delete';

/** The outcome of {@link decideTransition}: the next state, or the rule that denied it. */
export type TransitionDecision =
  | { readonly allowed: true; readonly from: TransitionSource; readonly to: TokenState }
  | { readonly allowed: false; readonly from: TransitionSource; readonly operation: LifecycleOperation; readonly rule: string };

const to = (state: TokenState): TransitionRule => ({ to: state });
const deny = (rule: string): TransitionRule => ({ deny: rule });

const row = (
  create: TransitionRule,
  update: TransitionRule,
  deactivate: TransitionRule,
  reactivate: TransitionRule,
  del: TransitionRule,
): Record<LifecycleOperation, TransitionRule> => ({ create, update, deactivate, reactivate, delete: del });

const EXISTS = deny('token-already-exists');
const NONE = row(to('active'), deny('token-not-found'), deny('token-not-found'), deny('token-not-found'), deny('token-not-found'));
const DELETED = row(EXISTS, deny('deleted-is-final'), deny('deleted-is-final'), deny('deleted-is-final'), deny('deleted-is-final'));
const EXPIRED = row(EXISTS, deny('expired-is-delete-only'), deny('expired-is-delete-only'), deny('expired-is-delete-only'), to('deleted'));

function freezeTable(table: Record<TransitionSource, Record<LifecycleOperation, TransitionRule>>): TransitionTable {
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
 */
export const SEED_LIFECYCLE: LifecyclePolicy = Object.freeze({
  name: 'seed',
  table: freezeTable({
    none: NONE,
    active: row(EXISTS, to('active'), to('inactive'), deny('already-active'), to('deleted')),
    inactive: row(EXISTS, deny('inactive-is-delete-only'), deny('inactive-is-delete-only'), deny('inactive-is-delete-only'), to('deleted')),
    expired: EXPIRED,
    deleted: DELETED,
  }),
});

/** Docker's current documented behaviour: an inactive token may also be edited and reactivated. */
export const DOCKER_HUB_CURRENT_LIFECYCLE: LifecyclePolicy = Object.freeze({
  name: 'docker-hub-current',
  table: freezeTable({
    none: NONE,
    active: row(EXISTS, to('active'), to('inactive'), deny('already-active'), to('deleted')),
    inactive: row(EXISTS, to('inactive'), deny('already-inactive'), to('active'), to('deleted')),
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
    active: row(EXISTS, to('active'), to('inactive'), deny('already-active'), deny('deactivate-before-delete')),
    inactive: row(EXISTS, deny('inactive-is-delete-only'), deny('inactive-is-delete-only'), deny('inactive-is-delete-only'), to('deleted')),
    expired: EXPIRED,
    deleted: DELETED,
  }),
});

/** The built-in presets by name. */
export const LIFECYCLE_PRESETS: Readonly<Record<LifecyclePresetName, LifecyclePolicy>> = Object.freeze({
  seed: SEED_LIFECYCLE,
  'docker-hub-current': DOCKER_HUB_CURRENT_LIFECYCLE,
  'deactivate-before-delete': DEACTIVATE_BEFORE_DELETE_LIFECYCLE,
});

/**
 * Decides an operation on a token (or on no token, for `create`) at `now`,
 * under a lifecycle policy. Pure: the caller applies the outcome.
 *
 * @example
 * ```ts
 * const decision = decideTransition(SEED_LIFECYCLE, token, 'reactivate', now);
 * if (!decision.allowed) console.log(decision.rule); // 'inactive-is-delete-only'
 * ```
 */
export function decideTransition(
  policy: LifecyclePolicy,
  token: Pick<AccessTokenRecord, 'state' | 'expiresAt'> | null,
  operation: LifecycleOperation,
  now: Date,
): TransitionDecision {
  const from: TransitionSource = token === null ? 'none' : statusOf(token, now);
  const rule = policy.table[from][operation];
  return 'to' in rule ? { allowed: true, from, to: rule.to } : { allowed: false, from, operation, rule: rule.deny };
}
