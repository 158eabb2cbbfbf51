/**
 * Topic 1, authorization: one token with 50 repository grants (48 exact names,
 * half pull only and half pull and push, two `namespace/*` globs, and
 * `*\/*\/public` pull), asked a fixed rotation of hits and misses by every
 * engine, after proving they all decide alike.
 */
import { performance } from 'node:perf_hooks';
import { authorize, compileGrants } from '../../src/index.js';
import { isAllowed } from './api.js';
import {
  bitmask,
  buildBitmask,
  buildSetRegExp,
  casbin,
  casbinEnforcer,
  grantPolicy,
  casl,
  caslAbility,
  checkSlicing,
  caslCompactRules,
  caslNaiveRules,
  ours,
  Repository,
  setRegExp,
  toResources,
  verifySameDecisions,
  type Contender,
} from './authz-contenders.js';
import { printTopic } from './harness.js';
import {
  interleave,
  printInterleaved,
  printTargets,
  ratioTarget,
  reported,
  roundsSink,
  type Interleaved,
  type RoundContender,
} from './rounds.js';
import { QUICK_NOTE } from './settings.js';
import { FIXTURE_ORG, makePolicy, makeRotation, QUERY_KINDS } from './policy-fixture.js';

const policy = makePolicy(50);
const queries = makeRotation(policy);

printTopic(
  'Authorization',
  `One token, ${policy.exact.length + policy.globs.length} repository grants (${policy.exact.length} exact: ` +
    `${policy.exact.length - policy.pushable.length} pull, ` +
    `${policy.pushable.length} pull+push; ${policy.globs.length} globs: ` +
    `${policy.globs.map((g) => `${g}/*`).join(', ')}; plus */*/public pull). ` +
    `Rotation: ${queries.length} queries, ${queries.length / QUERY_KINDS.length} of each kind ` +
    `(${QUERY_KINDS.join(', ')}), ` +
    `${queries.filter((q) => q.expected).length} allowed, in a fixed shuffled order. Every comparison ` +
    `interleaves its contenders in rounds.${QUICK_NOTE}`,
);

const oursC = ours(policy, queries);
const setC = setRegExp(policy, queries);
const mapC = bitmask(policy, queries);
const caslCompact = casl(
  `@casl/ability compact (${caslCompactRules(policy).length} rules: $in, $regex, public)`,
  caslCompactRules(policy),
  queries,
);
const caslNaive = casl(
  `@casl/ability naive (${caslNaiveRules(policy).length} rules, one per grant and action)`,
  caslNaiveRules(policy),
  queries,
);
const casbinC = await casbin(policy, queries);
const all: ReadonlyArray<Contender> = [oursC, setC, mapC, caslCompact, caslNaive, casbinC];
verifySameDecisions(all, queries);
checkSlicing(queries);
console.log(
  `\nVerified before timing: all ${all.length} contenders give the policy's decision on all ${queries.length} ` +
    `queries, and cutting each query's scope text gives the name the registry's parseScope gives.`,
);

const loopOf = (c: Contender, kind: 'loop' | 'slicedLoop' | 'freshLoop'): RoundContender => ({
  name: c.name,
  loop: c[kind] as (k: number) => number,
});
const named = (r: Interleaved, name: string): number => r.names.indexOf(name);
/** CASL's best form in a comparison: the CASL contender with the lower median. */
const caslBest = (r: Interleaved): number => {
  const [a, b] = [named(r, caslCompact.name), named(r, caslNaive.name)];
  return r.median(a) <= r.median(b) ? a : b;
};
const handBest = (r: Interleaved): number => {
  const [a, b] = [named(r, setC.name), named(r, mapC.name)];
  return r.median(a) <= r.median(b) ? a : b;
};

// Names sliced from scope texts, as the registry endpoint parses a request: the case a registry login meets.
const deciders = [oursC, setC, mapC, caslCompact, caslNaive];
const sliced = await interleave(deciders.map((c) => loopOf(c, 'slicedLoop')));
printInterleaved('Decisions, 50 grants, each name sliced afresh from its scope text', sliced, [3, 4, 1, 2]);
const concatenated = await interleave(deciders.map((c) => loopOf(c, 'freshLoop')));
printInterleaved('Decisions, 50 grants, each name concatenated afresh', concatenated, [3, 4, 1, 2]);
const reused = await interleave(all.map((c) => loopOf(c, 'loop')));
printInterleaved(
  'Decisions, 50 grants, one name string per query reused (hash cached: the easiest case)',
  reused,
  [3, 4, 5, 1, 2],
);

// Compiling 50 grants.
const resources = toResources(policy);
const rules = grantPolicy(policy);
const compactRules = caslCompactRules(policy);
const naiveRules = caslNaiveRules(policy);
const compile = await interleave([
  {
    name: 'ours: compileGrants',
    loop: (k) => {
      let n = 0;
      for (let j = 0; j < k; j++) n += compileGrants(FIXTURE_ORG, resources, rules) === null ? 0 : 1;
      return n;
    },
  },
  {
    name: 'hand-written: Set + RegExp build',
    loop: (k) => {
      let n = 0;
      for (let j = 0; j < k; j++) n += buildSetRegExp(policy).pull.size;
      return n;
    },
  },
  {
    name: 'hand-written: Map bitmask build',
    loop: (k) => {
      let n = 0;
      for (let j = 0; j < k; j++) n += buildBitmask(policy).exact.size;
      return n;
    },
  },
  {
    name: `CASL createMongoAbility, compact (${compactRules.length} rules)`,
    loop: (k) => {
      let n = 0;
      for (let j = 0; j < k; j++) n += caslAbility(compactRules).rules.length;
      return n;
    },
  },
  {
    name: `CASL createMongoAbility, naive (${naiveRules.length} rules)`,
    loop: (k) => {
      let n = 0;
      for (let j = 0; j < k; j++) n += caslAbility(naiveRules).rules.length;
      return n;
    },
  },
  {
    name: 'casbin newEnforcer + StringAdapter',
    loop: async (k) => {
      let n = 0;
      for (let j = 0; j < k; j++) n += (await (await casbinEnforcer(policy)).getPolicy()).length;
      return n;
    },
  },
]);
printInterleaved('Compiling 50 grants (build only; CASL compiles conditions later, on first use)', compile, [3, 4, 1]);

// CASL compiles each rule's conditions lazily, on the first decision that reaches it: count that too.
const firstQueries = QUERY_KINDS.map((kind) => queries.find((q) => q.kind === kind)).filter((q) => q !== undefined);
const firstSubjects = firstQueries.map((q) => new Repository(q.repository, q.visibility));
const firstUse = await interleave([
  {
    name: 'ours: compileGrants + one decision of each kind',
    loop: (k) => {
      let n = 0;
      for (let j = 0; j < k; j++) {
        const grants = compileGrants(FIXTURE_ORG, resources, rules);
        for (const q of firstQueries) if (isAllowed(authorize(grants, q, q.action))) n++;
      }
      return n;
    },
  },
  {
    name: 'CASL compact: build + one decision of each kind',
    loop: (k) => {
      let n = 0;
      for (let j = 0; j < k; j++) {
        const ability = caslAbility(compactRules);
        firstQueries.forEach((q, x) => {
          if (ability.can(q.action, firstSubjects[x] as Repository)) n++;
        });
      }
      return n;
    },
  },
  {
    name: 'CASL naive: build + one decision of each kind',
    loop: (k) => {
      let n = 0;
      for (let j = 0; j < k; j++) {
        const ability = caslAbility(naiveRules);
        firstQueries.forEach((q, x) => {
          if (ability.can(q.action, firstSubjects[x] as Repository)) n++;
        });
      }
      return n;
    },
  },
]);
printInterleaved(`Compile, then decide one query of each of the ${firstQueries.length} kinds`, firstUse, [1, 2]);

const caslName = (r: Interleaved): string => (caslBest(r) === named(r, caslCompact.name) ? 'compact' : 'naive');
const handName = (r: Interleaved): string => (handBest(r) === named(r, setC.name) ? 'Set+RegExp' : 'Map bitmask');
printTargets('Authorization targets', [
  ratioTarget(
    `authorize vs CASL's best form (${caslName(sliced)}), 50 grants, names sliced from scope texts`,
    sliced.ratio(0, caslBest(sliced)),
    10,
  ),
  ratioTarget(
    `authorize vs CASL's best form (${caslName(concatenated)}), 50 grants, names concatenated`,
    concatenated.ratio(0, caslBest(concatenated)),
    10,
  ),
  reported(
    `authorize vs CASL's best form (${caslName(reused)}), 50 grants, names reused`,
    reused.ratio(0, caslBest(reused)),
  ),
  reported(`authorize vs best hand-written (${handName(sliced)}), names sliced`, sliced.ratio(0, handBest(sliced))),
  reported(
    `authorize vs best hand-written (${handName(concatenated)}), names concatenated`,
    concatenated.ratio(0, handBest(concatenated)),
  ),
  reported('compile and one decision of each kind vs CASL compact doing the same', firstUse.ratio(0, 1)),
]);
console.log(`\n(sink ${roundsSink()}; measured in ${(performance.now() / 1000).toFixed(1)} s)`);
