/**
 * One resource scope a registry client asks a token endpoint for, as in
 * `repository:acme/app:pull,push` or `repository(plugin):acme/tool:pull`.
 * Frozen; `actions` is deduplicated and keeps the order the client gave.
 */
export interface RegistryScope {
  /** Resource type, for example `repository` or `registry`. */
  readonly type: string;
  /** Resource class from `type(class)`, for example `plugin`; absent when none was given. */
  readonly resourceClass?: string;
  /** Resource name, for example `acme/app` or `registry.local:5000/acme/app`. */
  readonly name: string;
  /** Requested actions, for example `pull`, `push`, `delete` or `*`. May be empty. */
  readonly actions: ReadonlyArray<string>;
}

/** Every reason a scope text is dropped: not in the grammar, or past the per-request cap. */
export const SCOPE_REJECTION_CODES = Object.freeze(['MALFORMED', 'TOO_MANY'] as const);

/** Why one scope text was dropped. */
export type ScopeRejectionCode = (typeof SCOPE_REJECTION_CODES)[number];

/** The outcome of parsing one scope text: the scope, or why it is not one. Frozen. */
export type ScopeParseResult =
  | { readonly ok: true; readonly value: RegistryScope }
  | { readonly ok: false; readonly code: 'MALFORMED'; readonly message: string };

/** What {@link parseScopeParameters} returns: the scopes kept and the texts dropped, with why. */
export interface ParsedScopes {
  readonly scopes: ReadonlyArray<RegistryScope>;
  readonly rejected: ReadonlyArray<{ readonly text: string; readonly code: ScopeRejectionCode }>;
}

/**
 * Most scopes one request may carry; the rest are dropped as `TOO_MANY`. A
 * pull or push asks for one or two; the cap bounds the work (visibility
 * lookups) a single request can cause.
 */
export const MAX_SCOPES_PER_REQUEST = 32;

/** Longest resource name accepted, as distribution's reference grammar allows. */
export const MAX_RESOURCE_NAME_LENGTH = 255;

const TYPE_WITH_CLASS = /^([a-z0-9]+)(?:\(([a-z0-9]+)\))?$/;
const ACTION = /^(?:\*|[a-z]+)$/;
const HOST_COMPONENT = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const HOSTNAME = new RegExp(`^${HOST_COMPONENT}(?:\\.${HOST_COMPONENT})*(?::[0-9]+)?$`);
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

const MALFORMED: ScopeParseResult = Object.freeze({
  ok: false,
  code: 'MALFORMED',
  message: 'not a scope of the form type[(class)]:name:action[,action...]',
});

/**
 * Checks a resource name against the scope grammar: an optional hostname
 * (which may carry `:port`) followed by lower-case path components. The first
 * segment counts as a hostname only when the name has more than one segment
 * and that segment could not be a path component (it holds a `.`, a `:` or
 * upper case), as distribution's reference grammar reads it.
 */
function isResourceName(name: string): boolean {
  if (name.length === 0 || name.length > MAX_RESOURCE_NAME_LENGTH) return false;
  const segments = name.split('/');
  const first = segments[0] as string;
  const rest = segments.length > 1 && !PATH_COMPONENT.test(first) ? segments.slice(1) : segments;
  if (rest !== segments && !HOSTNAME.test(first)) return false;
  return rest.length > 0 && rest.every((segment) => PATH_COMPONENT.test(segment));
}

/**
 * Parses one resource scope, `type[(class)]:name:action[,action...]`. The
 * text is split on its first and its last `:`, because a name may hold a
 * registry host with a port (`localhost:5000/acme/app`). Never throws: any
 * other shape gives `{ ok: false, code: 'MALFORMED', message }`. Empty actions
 * (`repository:acme/app:`) are allowed by the grammar and give an empty list.
 *
 * @example
 * ```ts
 * parseScope('repository:localhost:5000/acme/app:pull,push');
 * // { ok: true, value: { type: 'repository', name: 'localhost:5000/acme/app', actions: ['pull', 'push'] } }
 * ```
 */
export function parseScope(text: string): ScopeParseResult {
  if (typeof text !== 'string') return MALFORMED;
  const first = text.indexOf(':');
  const last = text.lastIndexOf(':');
  if (first <= 0 || last === first) return MALFORMED;
  const typed = TYPE_WITH_CLASS.exec(text.slice(0, first));
  if (typed === null) return MALFORMED;
  const name = text.slice(first + 1, last);
  if (!isResourceName(name)) return MALFORMED;
  const actions: string[] = [];
  const list = text.slice(last + 1);
  if (list.length > 0) {
    for (const action of list.split(',')) {
      if (!ACTION.test(action)) return MALFORMED;
      if (!actions.includes(action)) actions.push(action);
    }
  }
  const [, type, resourceClass] = typed as unknown as [string, string, string | undefined];
  const scope: RegistryScope = Object.freeze({
    type,
    ...(resourceClass === undefined ? {} : { resourceClass }),
    name,
    actions: Object.freeze(actions),
  });
  return Object.freeze({ ok: true, value: scope });
}

/**
 * Parses the `scope` query parameters of a token request: each value may
 * hold several scopes separated by spaces, and the parameter may repeat (the
 * OAuth2 POST form sends one space-separated value). Malformed scopes are
 * dropped and reported, never thrown; scopes past
 * {@link MAX_SCOPES_PER_REQUEST} are dropped as `TOO_MANY`. Unknown resource
 * types are kept: granting nothing for them is the grant step's decision.
 *
 * @example
 * ```ts
 * const { scopes } = parseScopeParameters(new URL(request.url).searchParams.getAll('scope'));
 * ```
 */
export function parseScopeParameters(values: Iterable<string>, limit: number = MAX_SCOPES_PER_REQUEST): ParsedScopes {
  const scopes: RegistryScope[] = [];
  const rejected: { text: string; code: ScopeRejectionCode }[] = [];
  for (const value of values) {
    if (typeof value !== 'string') continue;
    for (const text of value.split(' ')) {
      if (text.length === 0) continue;
      const parsed = parseScope(text);
      if (!parsed.ok) rejected.push(Object.freeze({ text, code: parsed.code }));
      else if (scopes.length >= limit) rejected.push(Object.freeze({ text, code: 'TOO_MANY' }));
      else scopes.push(parsed.value);
    }
  }
  return Object.freeze({ scopes: Object.freeze(scopes), rejected: Object.freeze(rejected) });
}

/**
 * Writes a scope back in the grammar {@link parseScope} reads; for any scope
 * that parser produced, `parseScope(formatScope(s))` gives `s` again.
 */
export function formatScope(scope: RegistryScope): string {
  const type = scope.resourceClass === undefined ? scope.type : `${scope.type}(${scope.resourceClass})`;
  return `${type}:${scope.name}:${scope.actions.join(',')}`;
}
