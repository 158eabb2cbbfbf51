/**
 * One repository policy, written once and handed to every authorization
 * contender, and the fixed rotation of queries they all answer. The
 * reference decision of each query comes from {@link specDecide}, a plain
 * reading of the policy; a contender that disagrees on any query is not
 * implementing the same policy, and the benchmark refuses to time it.
 */
import { seededRandom, shuffled } from './harness.js';

/** The two registry actions the rotation asks about. */
export type Action = 'pull' | 'push';

/**
 * A policy: exact repositories (pull only, or pull and push), `namespace/*` globs (pull), and the public grant (pull).
 */
export interface PolicyShape {
  /** Every exact repository (each grants pull). */
  readonly exact: ReadonlyArray<string>;
  /** The exact repositories that also grant push. */
  readonly pushable: ReadonlyArray<string>;
  /** Namespaces granted through `namespace/*`, pull only. */
  readonly globs: ReadonlyArray<string>;
  /** Whether `*\/*\/public` (pull) is granted. */
  readonly publicPull: boolean;
}

/** The kinds of query in the rotation. */
export const QUERY_KINDS = [
  'exact hit (pull)',
  'exact hit (push)',
  'push on a pull-only grant',
  'glob hit',
  'public hit',
  'public push (denied)',
  'unknown repository',
  'near-miss name',
] as const;
/** One kind of query. */
export type QueryKind = (typeof QUERY_KINDS)[number];

/** One question of the rotation, with the pieces a fresh request would be built from. */
export interface Query {
  readonly kind: QueryKind;
  /** Full repository name, `namespace/name`. */
  readonly repository: string;
  readonly namespace: string;
  readonly name: string;
  readonly visibility: 'public' | 'private';
  readonly action: Action;
  /** The scope a registry client sends for this question, `repository:<name>:<action>`. */
  readonly scope: string;
  /** The decision {@link specDecide} gives. */
  readonly expected: boolean;
}

const ORG = 'acme';
// A token's only possible glob is its own organization's (`acme/*`, one segment); exact names sit one level
// deeper so the glob does not cover them and the near misses below stay misses.
const GLOB_NAMESPACES = [ORG];

/**
 * A policy of `grants` repository grants (not counting the public one): the
 * organization's glob when there is room for it, the rest exact names alternating pull
 * only and pull plus push; the public grant always.
 */
export function makePolicy(grants: number): PolicyShape {
  const globs = grants >= 10 ? GLOB_NAMESPACES : [];
  const exact: string[] = [];
  const pushable: string[] = [];
  for (let i = 0; i < grants - globs.length; i++) {
    const repository = `${ORG}/services/service-${String(i).padStart(3, '0')}`;
    exact.push(repository);
    if (i % 2 === 1) pushable.push(repository);
  }
  return { exact, pushable, globs, publicPull: true };
}

/** The meaning of a policy, written as plainly as possible: the specification every contender must match. */
export function specDecide(
  policy: PolicyShape,
  repository: string,
  visibility: 'public' | 'private',
  action: Action,
): boolean {
  if (action === 'push') return policy.pushable.includes(repository);
  if (policy.exact.includes(repository)) return true;
  // `namespace/*` covers one non-empty last segment.
  const slash = repository.lastIndexOf('/');
  if (slash > 0 && slash < repository.length - 1 && policy.globs.includes(repository.slice(0, slash))) return true;
  return policy.publicPull && visibility === 'public';
}

/**
 * The fixed rotation: `perKind` queries of each kind, in a seeded shuffled
 * order (the same in every run), so branch predictors cannot learn a short
 * pattern and every contender sees exactly the same sequence.
 */
export function makeRotation(policy: PolicyShape, perKind = 8): ReadonlyArray<Query> {
  const random = seededRandom(7);
  const pick = <T>(items: ReadonlyArray<T>, fallback: T): T =>
    items.length === 0 ? fallback : (items[Math.floor(random() * items.length)] as T);
  const pullOnly = policy.exact.filter((r) => !policy.pushable.includes(r));
  const queries: Query[] = [];
  const add = (kind: QueryKind, repository: string, visibility: 'public' | 'private', action: Action): void => {
    const slash = repository.lastIndexOf('/');
    queries.push({
      kind,
      repository,
      namespace: repository.slice(0, slash),
      name: repository.slice(slash + 1),
      visibility,
      action,
      scope: `repository:${repository}:${action}`,
      expected: specDecide(policy, repository, visibility, action),
    });
  };
  for (let i = 0; i < perKind; i++) {
    const unknown = `other-org/app-${i}`;
    add('exact hit (pull)', pick(policy.exact, unknown), 'private', 'pull');
    add('exact hit (push)', pick(policy.pushable, unknown), 'private', 'push');
    add('push on a pull-only grant', pick(pullOnly, unknown), 'private', 'push');
    add('glob hit', `${pick(policy.globs, 'other-org')}/tool-${i}`, 'private', 'pull');
    add('public hit', `library/image-${i}`, 'public', 'pull');
    add('public push (denied)', `library/image-${i}`, 'public', 'push');
    add('unknown repository', unknown, 'private', 'pull');
    // One character away from a granted name, or from a granted namespace.
    const near = i % 2 === 0 ? `${pick(policy.exact, `${ORG}/service-000`)}x` : `${pick(policy.globs, ORG)}x/tool-${i}`;
    add('near-miss name', near, 'private', 'pull');
  }
  return shuffled(queries, 11);
}

/** Escapes a string for use inside a regular expression. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The organization every fixture policy is written for. */
export const FIXTURE_ORG = ORG;
