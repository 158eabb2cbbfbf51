/**
 * Every authorization engine the benchmarks compare, each built from the same
 * {@link PolicyShape} and each answering the same rotation of queries.
 *
 * Each contender writes out its own timing loop on purpose. V8 keeps type
 * feedback per function literal: one shared loop calling `decide(q)` for every
 * contender would see many targets, stop inlining, and add the same few
 * nanoseconds to every contender, which flattens the ratios between the fast
 * ones. A loop per contender keeps each call site monomorphic, as it is in an
 * application that uses one engine.
 */
import { createMongoAbility, type MongoAbility } from '@casl/ability';
import { newEnforcer, newModelFromString, StringAdapter, type Enforcer } from 'casbin';
import {
  authorize,
  compileGrants,
  DEFAULT_SCOPE_CATALOG,
  PUBLIC_REPOSITORIES_PATH,
  type CompiledGrants,
  type GrantPolicy,
  type Resource,
} from '../../src/index.js';
import { parseScope } from '../../src/registry/index.js';
import { isAllowed } from './api.js';
import type { SyncLoop } from './harness.js';
import { escapeRegExp, FIXTURE_ORG, type PolicyShape, type Query } from './policy-fixture.js';

/** An engine under test: a decision for verification, and loops for timing. */
export interface Contender {
  readonly name: string;
  /** Decides one query of the rotation (used to verify, not to time). */
  decide(q: Query): boolean;
  /** Decides `k` queries of the rotation, continuing where the last call stopped. */
  readonly loop: SyncLoop;
  /** Same, but the repository name is concatenated afresh for every decision. */
  readonly freshLoop?: SyncLoop;
  /** Same, but the name is sliced afresh from the scope text for every decision, as the registry endpoint parses it. */
  readonly slicedLoop?: SyncLoop;
}

/**
 * The repository name of a scope text, cut as `parseScope` cuts it (between
 * the first and the last `:`): a new string per call, whose hash V8 has not
 * seen. Written out in each sliced loop below; {@link checkSlicing} proves
 * it agrees with the registry's parser.
 */
export function sliceName(scope: string): string {
  return scope.slice(scope.indexOf(':') + 1, scope.lastIndexOf(':'));
}

/** Throws unless cutting each query's scope text gives the name `parseScope` gives, and the query's repository. */
export function checkSlicing(queries: ReadonlyArray<Query>): void {
  for (const q of queries) {
    const parsed = parseScope(q.scope);
    if (!parsed.ok || parsed.value.name !== sliceName(q.scope) || parsed.value.name !== q.repository)
      throw new Error(`scope ${q.scope} does not slice to ${q.repository}`);
  }
}

/** The policy as our resources. */
export function toResources(policy: PolicyShape): ReadonlyArray<Resource> {
  const resources: Resource[] = policy.exact.map((path) => ({
    type: 'repository' as const,
    path,
    scopes: policy.pushable.includes(path) ? ['scope-image-pull', 'scope-image-push'] : ['scope-image-pull'],
  }));
  for (const ns of policy.globs) resources.push({ type: 'repository', path: `${ns}/*`, scopes: ['scope-image-pull'] });
  if (policy.publicPull)
    resources.push({ type: 'repository', path: PUBLIC_REPOSITORIES_PATH, scopes: ['scope-image-pull'] });
  return resources;
}

/** The policy our grants are compiled under: Docker Hub's limit of 50, raised for the bigger scale fixtures. */
export function grantPolicy(policy: PolicyShape): GrantPolicy {
  return {
    catalog: DEFAULT_SCOPE_CATALOG,
    maxRepositoryGrants: Math.max(50, policy.exact.length + policy.globs.length),
  };
}

/** Ours: `compileGrants` once, `authorize` per decision. */
export function ours(
  policy: PolicyShape,
  queries: ReadonlyArray<Query>,
  name = 'ours: compileGrants + authorize',
): Contender {
  const grants: CompiledGrants = compileGrants(FIXTURE_ORG, toResources(policy), grantPolicy(policy));
  const last = queries.length - 1;
  let i = 0;
  let f = 0;
  let c = 0;
  return {
    name,
    decide: (q) => isAllowed(authorize(grants, q, q.action)),
    loop: (k) => {
      let n = 0;
      for (let j = 0; j < k; j++) {
        const q = queries[i] as Query;
        if (isAllowed(authorize(grants, q, q.action))) n++;
        i = i === last ? 0 : i + 1;
      }
      return n;
    },
    freshLoop: (k) => {
      let n = 0;
      for (let j = 0; j < k; j++) {
        const q = queries[f] as Query;
        if (
          isAllowed(authorize(grants, { repository: q.namespace + '/' + q.name, visibility: q.visibility }, q.action))
        )
          n++;
        f = f === last ? 0 : f + 1;
      }
      return n;
    },
    slicedLoop: (k) => {
      let n = 0;
      for (let j = 0; j < k; j++) {
        const q = queries[c] as Query;
        const s = q.scope;
        if (
          isAllowed(
            authorize(
              grants,
              { repository: s.slice(s.indexOf(':') + 1, s.lastIndexOf(':')), visibility: q.visibility },
              q.action,
            ),
          )
        )
          n++;
        c = c === last ? 0 : c + 1;
      }
      return n;
    },
  };
}

/** Hand-written: `Set`s of exact names per action, one RegExp for every glob, a public flag. */
export function buildSetRegExp(policy: PolicyShape): {
  pull: Set<string>;
  push: Set<string>;
  glob: RegExp;
  publicPull: boolean;
} {
  const glob =
    policy.globs.length === 0 ? /(?!)/ : new RegExp(`^(?:${policy.globs.map(escapeRegExp).join('|')})/[^/]+$`);
  return { pull: new Set(policy.exact), push: new Set(policy.pushable), glob, publicPull: policy.publicPull };
}

/** The Set + RegExp baseline as a contender. */
export function setRegExp(policy: PolicyShape, queries: ReadonlyArray<Query>): Contender {
  const { pull, push, glob, publicPull } = buildSetRegExp(policy);
  const decide = (repository: string, visibility: string, action: string): boolean =>
    action === 'pull'
      ? pull.has(repository) || glob.test(repository) || (publicPull && visibility === 'public')
      : action === 'push' && push.has(repository);
  const last = queries.length - 1;
  let i = 0;
  let f = 0;
  let c = 0;
  return {
    name: 'hand-written: Set + one RegExp + public flag',
    decide: (q) => decide(q.repository, q.visibility, q.action),
    loop: (k) => {
      let n = 0;
      for (let j = 0; j < k; j++) {
        const q = queries[i] as Query;
        if (decide(q.repository, q.visibility, q.action)) n++;
        i = i === last ? 0 : i + 1;
      }
      return n;
    },
    freshLoop: (k) => {
      let n = 0;
      for (let j = 0; j < k; j++) {
        const q = queries[f] as Query;
        if (decide(q.namespace + '/' + q.name, q.visibility, q.action)) n++;
        f = f === last ? 0 : f + 1;
      }
      return n;
    },
    slicedLoop: (k) => {
      let n = 0;
      for (let j = 0; j < k; j++) {
        const q = queries[c] as Query;
        const s = q.scope;
        if (decide(s.slice(s.indexOf(':') + 1, s.lastIndexOf(':')), q.visibility, q.action)) n++;
        c = c === last ? 0 : c + 1;
      }
      return n;
    },
  };
}

const PULL_BIT = 1;
const PUSH_BIT = 2;

/** Hand-written: `Map` name -> action bits, `Map` namespace -> action bits, public bits. */
export function buildBitmask(policy: PolicyShape): {
  exact: Map<string, number>;
  namespaces: Map<string, number>;
  publicMask: number;
} {
  const exact = new Map<string, number>();
  for (const r of policy.exact) exact.set(r, PULL_BIT);
  for (const r of policy.pushable) exact.set(r, PULL_BIT | PUSH_BIT);
  const namespaces = new Map<string, number>(policy.globs.map((ns) => [ns, PULL_BIT]));
  return { exact, namespaces, publicMask: policy.publicPull ? PULL_BIT : 0 };
}

/** The Map + bitmask baseline as a contender. */
export function bitmask(policy: PolicyShape, queries: ReadonlyArray<Query>): Contender {
  const { exact, namespaces, publicMask } = buildBitmask(policy);
  const decide = (repository: string, visibility: string, action: string): boolean => {
    const bit = action === 'pull' ? PULL_BIT : action === 'push' ? PUSH_BIT : 0;
    if (((exact.get(repository) ?? 0) & bit) !== 0) return true;
    const slash = repository.lastIndexOf('/');
    if (slash > 0 && slash < repository.length - 1 && ((namespaces.get(repository.slice(0, slash)) ?? 0) & bit) !== 0)
      return true;
    return visibility === 'public' && (publicMask & bit) !== 0;
  };
  const last = queries.length - 1;
  let i = 0;
  let f = 0;
  let c = 0;
  return {
    name: 'hand-written: Map name/namespace -> bitmask',
    decide: (q) => decide(q.repository, q.visibility, q.action),
    loop: (k) => {
      let n = 0;
      for (let j = 0; j < k; j++) {
        const q = queries[i] as Query;
        if (decide(q.repository, q.visibility, q.action)) n++;
        i = i === last ? 0 : i + 1;
      }
      return n;
    },
    freshLoop: (k) => {
      let n = 0;
      for (let j = 0; j < k; j++) {
        const q = queries[f] as Query;
        if (decide(q.namespace + '/' + q.name, q.visibility, q.action)) n++;
        f = f === last ? 0 : f + 1;
      }
      return n;
    },
    slicedLoop: (k) => {
      let n = 0;
      for (let j = 0; j < k; j++) {
        const q = queries[c] as Query;
        const s = q.scope;
        if (decide(s.slice(s.indexOf(':') + 1, s.lastIndexOf(':')), q.visibility, q.action)) n++;
        c = c === last ? 0 : c + 1;
      }
      return n;
    },
  };
}

/**
 * A repository as CASL sees it: a class instance, so CASL detects its type from the class without a `subject()`
 * wrapper.
 */
export class Repository {
  static readonly modelName = 'Repository';
  constructor(
    readonly name: string,
    readonly visibility: string,
  ) {}
}

type CaslAbility = MongoAbility<[string, 'Repository' | Repository]>;
type CaslRule = { action: string; subject: 'Repository'; conditions: Record<string, unknown> };

/** CASL at its best: one `$in` rule per action, one `$regex` for every glob, one public rule. */
export function caslCompactRules(policy: PolicyShape): CaslRule[] {
  const rules: CaslRule[] = [
    { action: 'pull', subject: 'Repository', conditions: { name: { $in: [...policy.exact] } } },
    { action: 'push', subject: 'Repository', conditions: { name: { $in: [...policy.pushable] } } },
  ];
  if (policy.globs.length > 0) {
    rules.push({
      action: 'pull',
      subject: 'Repository',
      conditions: { name: { $regex: `^(?:${policy.globs.map(escapeRegExp).join('|')})/[^/]+$` } },
    });
  }
  if (policy.publicPull) rules.push({ action: 'pull', subject: 'Repository', conditions: { visibility: 'public' } });
  return rules;
}

/** CASL written naively: one rule per grant and action. */
export function caslNaiveRules(policy: PolicyShape): CaslRule[] {
  const rules: CaslRule[] = [];
  for (const name of policy.exact) rules.push({ action: 'pull', subject: 'Repository', conditions: { name } });
  for (const name of policy.pushable) rules.push({ action: 'push', subject: 'Repository', conditions: { name } });
  for (const ns of policy.globs)
    rules.push({
      action: 'pull',
      subject: 'Repository',
      conditions: { name: { $regex: `^${escapeRegExp(ns)}/[^/]+$` } },
    });
  if (policy.publicPull) rules.push({ action: 'pull', subject: 'Repository', conditions: { visibility: 'public' } });
  return rules;
}

/** Builds a CASL ability from raw rules. */
export function caslAbility(rules: CaslRule[]): CaslAbility {
  return createMongoAbility<CaslAbility>(rules as never);
}

/** A CASL ability as a contender; subjects are built once per query (or per call, in the fresh loop). */
export function casl(name: string, rules: CaslRule[], queries: ReadonlyArray<Query>): Contender {
  const ability = caslAbility(rules);
  const subjects = queries.map((q) => new Repository(q.repository, q.visibility));
  const last = queries.length - 1;
  let i = 0;
  let f = 0;
  let c = 0;
  return {
    name,
    decide: (q) => ability.can(q.action, new Repository(q.repository, q.visibility)),
    loop: (k) => {
      let n = 0;
      for (let j = 0; j < k; j++) {
        if (ability.can((queries[i] as Query).action, subjects[i] as Repository)) n++;
        i = i === last ? 0 : i + 1;
      }
      return n;
    },
    freshLoop: (k) => {
      let n = 0;
      for (let j = 0; j < k; j++) {
        const q = queries[f] as Query;
        if (ability.can(q.action, new Repository(q.namespace + '/' + q.name, q.visibility))) n++;
        f = f === last ? 0 : f + 1;
      }
      return n;
    },
    slicedLoop: (k) => {
      let n = 0;
      for (let j = 0; j < k; j++) {
        const q = queries[c] as Query;
        const s = q.scope;
        if (ability.can(q.action, new Repository(s.slice(s.indexOf(':') + 1, s.lastIndexOf(':')), q.visibility))) n++;
        c = c === last ? 0 : c + 1;
      }
      return n;
    },
  };
}

const CASBIN_MATCHER =
  'r.act == p.act && ((p.obj == "*/*/public" && r.vis == "public") || ' +
  '(p.obj != "*/*/public" && keyMatch2(r.obj, p.obj)))';

/**
 * casbin's model: `keyMatch2` for exact names and globs (`org/:name`, one
 * segment). `*\/*\/public` is no pattern for it, so the public grant is a
 * separate branch on the request's visibility.
 */
export const CASBIN_MODEL = `
[request_definition]
r = obj, vis, act

[policy_definition]
p = obj, act

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = ${CASBIN_MATCHER}
`;

/** The policy as casbin policy lines (one per grant and action). */
export function casbinPolicyText(policy: PolicyShape): string {
  const lines: string[] = [];
  for (const r of policy.exact) lines.push(`p, ${r}, pull`);
  for (const r of policy.pushable) lines.push(`p, ${r}, push`);
  // keyMatch2's `:name` is one path segment, as `org/*` is; keyMatch's `*` would also match `org/team/app`.
  for (const ns of policy.globs) lines.push(`p, ${ns}/:name, pull`);
  if (policy.publicPull) lines.push(`p, ${PUBLIC_REPOSITORIES_PATH}, pull`);
  return lines.join('\n');
}

/** Builds a casbin enforcer for the policy. */
export function casbinEnforcer(policy: PolicyShape): Promise<Enforcer> {
  return newEnforcer(newModelFromString(CASBIN_MODEL), new StringAdapter(casbinPolicyText(policy)));
}

/** casbin `enforceSync` as a contender. */
export async function casbin(policy: PolicyShape, queries: ReadonlyArray<Query>): Promise<Contender> {
  const enforcer = await casbinEnforcer(policy);
  const last = queries.length - 1;
  let i = 0;
  return {
    name:
      `casbin ${policy.exact.length + policy.pushable.length + policy.globs.length + 1} policy lines, ` +
      `keyMatch2, enforceSync`,
    decide: (q) => enforcer.enforceSync(q.repository, q.visibility, q.action),
    loop: (k) => {
      let n = 0;
      for (let j = 0; j < k; j++) {
        const q = queries[i] as Query;
        if (enforcer.enforceSync(q.repository, q.visibility, q.action)) n++;
        i = i === last ? 0 : i + 1;
      }
      return n;
    },
  };
}

/**
 * Proves that the contenders implement the same policy: every one must give
 * the specification's decision on every query. Throws otherwise, naming the
 * contender and the query, so a wrong engine is never timed.
 */
export function verifySameDecisions(contenders: ReadonlyArray<Contender>, queries: ReadonlyArray<Query>): void {
  for (const c of contenders) {
    for (const q of queries) {
      const got = c.decide(q);
      if (got !== q.expected) {
        throw new Error(
          `"${c.name}" decides ${got} for ${q.kind} (${q.action} ${q.repository}, ${q.visibility}); the ` +
            `policy says ${q.expected}`,
        );
      }
    }
  }
}
