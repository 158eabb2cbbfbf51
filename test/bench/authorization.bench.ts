/**
 * Topic 1, authorization: one token with 50 repository grants (48 exact names,
 * half pull only and half pull and push, two `namespace/*` globs, and
 * `*\/*\/public` pull), asked a fixed rotation of hits and misses by every
 * engine, after proving they all decide alike.
 */
import { performance } from 'node:perf_hooks';
import { authorize, compileGrants } from '../../src/index.js';
import {
  bitmask,
  buildBitmask,
  buildSetRegExp,
  casbin,
  casbinEnforcer,
  grantPolicy,
  casl,
  caslAbility,
  caslCompactRules,
  caslNaiveRules,
  ours,
  Repository,
  setRegExp,
  toResources,
  verifySameDecisions,
  type Contender,
} from './authz-contenders.js';
import { measure, measureAsync, printGrid, printTable, printTopic, sinkValue, speedup, target, type Measured } from './harness.js';
import { FIXTURE_ORG, makePolicy, makeRotation, QUERY_KINDS } from './policy-fixture.js';

const policy = makePolicy(50);
const queries = makeRotation(policy);

printTopic(
  'Authorization',
  `One token, ${policy.exact.length + policy.globs.length} repository grants (${policy.exact.length} exact: ${policy.exact.length - policy.pushable.length} pull, ` +
    `${policy.pushable.length} pull+push; ${policy.globs.length} globs: ${policy.globs.map((g) => `${g}/*`).join(', ')}; plus */*/public pull). ` +
    `Rotation: ${queries.length} queries, ${queries.length / QUERY_KINDS.length} of each kind (${QUERY_KINDS.join(', ')}), ` +
    `${queries.filter((q) => q.expected).length} allowed, in a fixed shuffled order.`,
);

const oursC = ours(policy, queries);
const setC = setRegExp(policy, queries);
const mapC = bitmask(policy, queries);
const caslCompact = casl(`@casl/ability compact (${caslCompactRules(policy).length} rules: $in, $regex, public)`, caslCompactRules(policy), queries);
const caslNaive = casl(`@casl/ability naive (${caslNaiveRules(policy).length} rules, one per grant and action)`, caslNaiveRules(policy), queries);
const casbinC = await casbin(policy, queries);
const all: ReadonlyArray<Contender> = [oursC, setC, mapC, caslCompact, caslNaive, casbinC];
verifySameDecisions(all, queries);
console.log(`\nVerified before timing: all ${all.length} contenders give the policy's decision on all ${queries.length} queries.`);

// Mixed rotation.
const mixed: Measured[] = [];
for (const c of all) mixed.push(await measure(c.name, c.loop, c === casbinC ? { timeMs: 1500, minSamples: 10 } : {}));
const [rOurs, rSet, rMap, rCaslCompact, rCaslNaive, rCasbin] = mixed as [Measured, Measured, Measured, Measured, Measured, Measured];
printTable('Decisions on the mixed rotation, 50 grants', mixed, [
  { label: 'CASL compact', result: rCaslCompact },
  { label: 'CASL naive', result: rCaslNaive },
  { label: 'casbin', result: rCasbin },
  { label: 'Set+RegExp', result: rSet },
  { label: 'Map bitmask', result: rMap },
]);

// Fresh repository names: a real request builds the name, so V8 must flatten and hash it on every lookup.
const freshContenders = [oursC, setC, mapC, caslCompact];
const fresh: Measured[] = [];
for (const c of freshContenders) fresh.push(await measure(`${c.name}, name built per call`, c.freshLoop as (k: number) => number));
const [fOurs, fSet, fMap, fCasl] = fresh as [Measured, Measured, Measured, Measured];
printTable('Decisions with the repository name concatenated per call', fresh, [
  { label: 'CASL compact', result: fCasl },
  { label: 'Set+RegExp', result: fSet },
  { label: 'Map bitmask', result: fMap },
]);

// Compiling 50 grants.
const resources = toResources(policy);
const rules = grantPolicy(policy);
const compactRules = caslCompactRules(policy);
const naiveRules = caslNaiveRules(policy);
const compile = [
  await measure('ours: compileGrants', (k) => {
    let n = 0;
    for (let j = 0; j < k; j++) n += compileGrants(FIXTURE_ORG, resources, rules).organization.length;
    return n;
  }),
  await measure('hand-written: Set + RegExp build', (k) => {
    let n = 0;
    for (let j = 0; j < k; j++) n += buildSetRegExp(policy).pull.size;
    return n;
  }),
  await measure('hand-written: Map bitmask build', (k) => {
    let n = 0;
    for (let j = 0; j < k; j++) n += buildBitmask(policy).exact.size;
    return n;
  }),
  await measure(`CASL createMongoAbility, compact (${compactRules.length} rules)`, (k) => {
    let n = 0;
    for (let j = 0; j < k; j++) n += caslAbility(compactRules).rules.length;
    return n;
  }),
  await measure(`CASL createMongoAbility, naive (${naiveRules.length} rules)`, (k) => {
    let n = 0;
    for (let j = 0; j < k; j++) n += caslAbility(naiveRules).rules.length;
    return n;
  }),
  await measureAsync(
    'casbin newEnforcer + StringAdapter (75 lines)',
    async (k) => {
      let n = 0;
      for (let j = 0; j < k; j++) n += (await (await casbinEnforcer(policy)).getPolicy()).length;
      return n;
    },
    { minSamples: 10 },
  ),
];
const [cOurs, cSet, cMap, cCaslCompact, cCaslNaive] = compile as [Measured, Measured, Measured, Measured, Measured, Measured];
printTable('Compiling 50 grants (build only)', compile, [
  { label: 'CASL compact', result: cCaslCompact },
  { label: 'CASL naive', result: cCaslNaive },
  { label: 'Set+RegExp', result: cSet },
  { label: 'Map bitmask', result: cMap },
]);

// CASL compiles each rule's conditions lazily, on the first decision that reaches it: count that too.
const firstQueries = QUERY_KINDS.map((kind) => queries.find((q) => q.kind === kind)).filter((q) => q !== undefined);
const firstSubjects = firstQueries.map((q) => new Repository(q.repository, q.visibility));
const firstUse = [
  await measure('ours: compileGrants + one decision of each kind', (k) => {
    let n = 0;
    for (let j = 0; j < k; j++) {
      const grants = compileGrants(FIXTURE_ORG, resources, rules);
      for (const q of firstQueries) if (authorize(grants, q, q.action).allowed) n++;
    }
    return n;
  }),
  await measure('CASL compact: build + one decision of each kind', (k) => {
    let n = 0;
    for (let j = 0; j < k; j++) {
      const ability = caslAbility(compactRules);
      firstQueries.forEach((q, x) => {
        if (ability.can(q.action, firstSubjects[x] as Repository)) n++;
      });
    }
    return n;
  }),
  await measure('CASL naive: build + one decision of each kind', (k) => {
    let n = 0;
    for (let j = 0; j < k; j++) {
      const ability = caslAbility(naiveRules);
      firstQueries.forEach((q, x) => {
        if (ability.can(q.action, firstSubjects[x] as Repository)) n++;
      });
    }
    return n;
  }),
];
printTable(`Compile, then decide one query of each of the ${firstQueries.length} kinds (CASL compiles conditions lazily)`, firstUse, [
  { label: 'CASL compact', result: firstUse[1] as Measured },
  { label: 'CASL naive', result: firstUse[2] as Measured },
]);

const bestHandWritten = rSet.median <= rMap.median ? rSet : rMap;
const bestCasl = rCaslCompact.median <= rCaslNaive.median ? rCaslCompact : rCaslNaive;
const bestFreshHand = fSet.median <= fMap.median ? fSet : fMap;
printGrid(
  'Authorization targets',
  ['target', 'measured', 'goal', 'status'],
  [
    target(`ours vs CASL's best form (${bestCasl === rCaslCompact ? 'compact' : 'naive'}), mixed rotation`, speedup(rOurs, bestCasl), '>= 10x', speedup(rOurs, bestCasl) >= 10),
    target(
      `ours vs best hand-written (${bestHandWritten === rSet ? 'Set+RegExp' : 'Map bitmask'}), mixed rotation`,
      speedup(rOurs, bestHandWritten),
      '>= 0.50x (within 2x)',
      speedup(rOurs, bestHandWritten) >= 0.5,
    ),
    target(
      `ours vs best hand-written (${bestFreshHand === fSet ? 'Set+RegExp' : 'Map bitmask'}), fresh names`,
      speedup(fOurs, bestFreshHand),
      'no target',
    ),
    target('ours compile vs CASL compact build', speedup(cOurs, cCaslCompact), 'no target'),
  ],
);
console.log(`\n(sink ${sinkValue()}; measured in ${(performance.now() / 1000).toFixed(1)} s)`);
