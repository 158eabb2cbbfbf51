import { OatError } from '../errors.js';

/** What a grant applies to: repositories, or the organization itself (management). */
export type ResourceKind = 'repository' | 'organization';

/**
 * One scope of a catalog. `includes` names the scopes it implies (push
 * includes pull); inclusion is transitive. `aliases` are accepted on input
 * and resolve to `name`.
 */
export interface ScopeDefinition {
  /** Canonical name, for example `scope-image-push`. */
  readonly name: string;
  /** The kind of resource the scope applies to. */
  readonly kind: ResourceKind;
  /** Scopes this one implies. */
  readonly includes?: ReadonlyArray<string>;
  /** Other names accepted on input (legacy names, registry actions). */
  readonly aliases?: ReadonlyArray<string>;
}

function chain(
  kind: ResourceKind,
  names: ReadonlyArray<string>,
  aliases: Readonly<Record<string, ReadonlyArray<string>>> = {},
): ScopeDefinition[] {
  return names.map((name, i) => {
    const below = names[i - 1];
    const own = aliases[name];
    return {
      name,
      kind,
      ...(below === undefined ? {} : { includes: Object.freeze([below]) }),
      ...(own === undefined ? {} : { aliases: Object.freeze([...own]) }),
    };
  });
}

/**
 * Docker Hub's current scope catalog, with its inclusion chains: a higher
 * scope includes the lower ones of its chain (image push includes pull,
 * member edit includes member read, ...). Legacy names such as `repo-pull`
 * and the registry actions `pull`, `push` and `delete` are aliases.
 */
export const DOCKER_HUB_SCOPES: ReadonlyArray<ScopeDefinition> = Object.freeze(
  [
    ...chain('repository', ['scope-image-pull', 'scope-image-push', 'scope-image-delete'], {
      'scope-image-pull': ['pull', 'repo-pull', 'image-pull'],
      'scope-image-push': ['push', 'repo-push', 'image-push'],
      'scope-image-delete': ['delete', 'repo-delete', 'image-delete'],
    }),
    ...chain('repository', ['scope-repository-read', 'scope-repository-edit', 'scope-repository-admin']),
    ...chain('repository', ['scope-tag-read', 'scope-tag-admin']),
    ...chain('repository', ['scope-webhook-read', 'scope-webhook-edit', 'scope-webhook-admin']),
    ...chain('repository', [
      'scope-repository-group-read',
      'scope-repository-group-edit',
      'scope-repository-group-admin',
    ]),
    ...chain('repository', ['scope-repository-settings-admin']),
    ...chain('organization', ['scope-member-read', 'scope-member-edit']),
    ...chain('organization', ['scope-invite-read', 'scope-invite-edit']),
    ...chain('organization', ['scope-group-read', 'scope-group-edit']),
    ...chain('organization', ['scope-ram-read', 'scope-ram-write']),
    ...chain('organization', ['scope-activity-read']),
    ...chain('organization', ['scope-report-read']),
    ...chain('organization', ['scope-repository-create']),
    ...chain('organization', ['scope-repository-list']),
    ...chain('organization', ['scope-registry-usage-read']),
  ].map((d) => Object.freeze(d)),
);

/** The pull scope: the only one a `*\/*\/public` grant may hold. */
export const PULL_SCOPE = 'scope-image-pull';

/**
 * A compiled catalog: every scope has one bit within its kind, and every name
 * or alias maps to the bit mask of the scope plus everything it includes.
 * Built once by {@link createScopeCatalog}; read on every decision.
 */
export interface ScopeCatalog {
  /** The definitions, in order. */
  readonly definitions: ReadonlyArray<ScopeDefinition>;
  /** Canonical name for a name or alias; `undefined` when unknown. */
  canonical(nameOrAlias: string): string | undefined;
  /** The kind of a scope (by name or alias); `undefined` when unknown. */
  kindOf(nameOrAlias: string): ResourceKind | undefined;
  /** The bit of a repository scope (by name or alias), or 0 when unknown or of the other kind. */
  repositoryBit(nameOrAlias: string): number;
  /** The bit of an organization scope (by name or alias), or 0 when unknown or of the other kind. */
  organizationBit(nameOrAlias: string): number;
  /** Bit mask of the scope and every scope it includes, or 0 when unknown. */
  closure(nameOrAlias: string): number;
  /** Canonical names of the scopes whose bits are set in `mask` for `kind`. */
  names(kind: ResourceKind, mask: number): ReadonlyArray<string>;
}

const MAX_SCOPES_PER_KIND = 31;

/**
 * Compiles a scope catalog: Docker Hub's by default, extended by `extra`.
 * Throws `MISCONFIGURED` for a duplicate name, a name or alias that already
 * stands for another scope, an unknown or cross-kind inclusion, a cycle, or
 * more than 31 scopes of one kind.
 *
 * Invariant: the catalog is immutable. It keeps deeply frozen copies of the
 * definitions (their known fields: `name`, `kind`, `includes`, `aliases`), so
 * editing the caller's objects or arrays afterwards changes nothing. Safe to
 * share between concurrent requests.
 *
 * @example
 * ```ts
 * const catalog = createScopeCatalog([
 *   { name: 'scope-sbom-read', kind: 'repository', includes: ['scope-image-pull'] },
 * ]);
 * ```
 */
export function createScopeCatalog(
  extra: ReadonlyArray<ScopeDefinition> = [],
  base: ReadonlyArray<ScopeDefinition> = DOCKER_HUB_SCOPES,
): ScopeCatalog {
  const misconfigured = (message: string): OatError =>
    new OatError('MISCONFIGURED', message, { context: { catalog: true } });
  if (!Array.isArray(extra) || !Array.isArray(base)) throw misconfigured('Scope definitions must be an array');
  const definitions: ReadonlyArray<ScopeDefinition> = Object.freeze([...base, ...extra].map(copyDefinition));
  const byName = new Map<string, ScopeDefinition>();
  const bits = new Map<string, number>();
  const counters: Record<ResourceKind, number> = { repository: 0, organization: 0 };

  for (const def of definitions) {
    // Checked here too: callers in plain JavaScript get a clear error, not a TypeError later.
    const problem = definitionProblem(def);
    if (problem !== null) throw misconfigured(problem);
    if (byName.has(def.name)) throw misconfigured(`Scope "${def.name}" is defined twice`);
    if (counters[def.kind] >= MAX_SCOPES_PER_KIND)
      throw misconfigured(`More than ${MAX_SCOPES_PER_KIND} ${def.kind} scopes`);
    byName.set(def.name, def);
    bits.set(def.name, 1 << counters[def.kind]++);
  }

  // Names first, so that an alias can never shadow a scope's name (or be shadowed by a later one).
  const alias = new Map<string, string>();
  for (const def of definitions) alias.set(def.name, def.name);
  for (const def of definitions) {
    for (const a of def.aliases ?? []) {
      const taken = alias.get(a);
      if (taken !== undefined && taken !== def.name)
        throw misconfigured(`Alias "${a}" names both "${taken}" and "${def.name}"`);
      alias.set(a, def.name);
    }
  }

  const closures = new Map<string, number>();
  const visiting = new Set<string>();
  const closureOf = (name: string): number => {
    const known = closures.get(name);
    if (known !== undefined) return known;
    if (visiting.has(name)) throw misconfigured(`Scope inclusion cycle through "${name}"`);
    visiting.add(name);
    const def = byName.get(name) as ScopeDefinition;
    let mask = bits.get(name) as number;
    for (const inc of def.includes ?? []) {
      const target = byName.get(inc);
      if (target === undefined) throw misconfigured(`Scope "${name}" includes unknown scope "${inc}"`);
      if (target.kind !== def.kind) throw misconfigured(`Scope "${name}" includes "${inc}" of another kind`);
      mask |= closureOf(inc);
    }
    visiting.delete(name);
    closures.set(name, mask);
    return mask;
  };
  for (const def of definitions) closureOf(def.name);

  // Flatten aliases so a decision is one Map lookup.
  const closureByAlias = new Map<string, number>();
  const bitByKind: Record<ResourceKind, Map<string, number>> = { repository: new Map(), organization: new Map() };
  for (const [a, name] of alias) {
    const bit = bits.get(name) as number;
    bitByKind[(byName.get(name) as ScopeDefinition).kind].set(a, bit);
    closureByAlias.set(a, closures.get(name) as number);
  }
  const repositoryBits = bitByKind.repository;
  const organizationBits = bitByKind.organization;
  const pullBit = repositoryBits.get('pull') ?? 0;
  const pushBit = repositoryBits.get('push') ?? 0;

  return Object.freeze({
    definitions,
    canonical: (n: string) => alias.get(n),
    kindOf: (n: string) => {
      const name = alias.get(n);
      return name === undefined ? undefined : byName.get(name)?.kind;
    },
    // Registries ask for `pull` and `push` on nearly every decision: answer those two without a Map lookup.
    repositoryBit: (n: string) => (n === 'pull' ? pullBit : n === 'push' ? pushBit : (repositoryBits.get(n) ?? 0)),
    organizationBit: (n: string) => organizationBits.get(n) ?? 0,
    closure: (n: string) => closureByAlias.get(n) ?? 0,
    names: (kind: ResourceKind, mask: number) =>
      definitions.filter((d) => d.kind === kind && (mask & (bits.get(d.name) as number)) !== 0).map((d) => d.name),
  });
}

// Registry scopes are split on spaces, and compiled grants key scope lists by joining names: no spaces or control
// characters.
const SCOPE_NAME = /^[\x21-\x7e]+$/;
const isStrings = (value: unknown): boolean =>
  value === undefined || (Array.isArray(value) && value.every((v) => typeof v === 'string' && SCOPE_NAME.test(v)));

/**
 * A frozen copy of the known fields, each read once: what is checked is what is kept, and a caller
 * who edits (or a getter that changes) its definitions afterwards cannot reach the catalog.
 */
function copyDefinition(def: unknown): ScopeDefinition {
  const d = (typeof def === 'object' && def !== null ? def : {}) as Record<string, unknown>;
  const { name, kind, includes, aliases } = d;
  const list = (value: unknown): unknown => (Array.isArray(value) ? Object.freeze([...(value as unknown[])]) : value);
  return Object.freeze({
    name,
    kind,
    ...(includes === undefined ? {} : { includes: list(includes) }),
    ...(aliases === undefined ? {} : { aliases: list(aliases) }),
  }) as ScopeDefinition;
}

function definitionProblem(def: unknown): string | null {
  const d = (typeof def === 'object' && def !== null ? def : {}) as Record<string, unknown>;
  if (typeof d.name !== 'string' || !SCOPE_NAME.test(d.name))
    return 'Every scope needs a name of printable characters without spaces';
  if (d.kind !== 'repository' && d.kind !== 'organization')
    return `Scope "${d.name}" needs kind "repository" or "organization"`;
  if (!isStrings(d.includes)) return `Scope "${d.name}": includes must be an array of scope names`;
  if (!isStrings(d.aliases)) return `Scope "${d.name}": aliases must be an array of names without spaces`;
  return null;
}

/** The default compiled catalog (Docker Hub's). */
export const DEFAULT_SCOPE_CATALOG: ScopeCatalog = createScopeCatalog();
