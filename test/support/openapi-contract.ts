/**
 * The contract between the HTTP handlers and docs/openapi.json: every
 * response a wrapped handler gives is checked against the document (status,
 * headers, JSON body, with ajv's JSON Schema 2020-12), and a test that
 * produced one that does not conform fails in its `afterEach`.
 *
 * Wrap a handler where a test builds it: `conforming(createHubApi(...), { kind: 'hub' })`.
 */
import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { afterEach } from 'vitest';

/** Which surface a handler serves, and where it is mounted. The token endpoint answers any path. */
export type Surface = { readonly kind: 'hub'; readonly basePath?: string } | { readonly kind: 'token' };

/** The Hub API mounted at the root. */
export const HUB: Surface = Object.freeze({ kind: 'hub' });

/** The token endpoint (at any path). */
export const TOKEN_ENDPOINT: Surface = Object.freeze({ kind: 'token' });

/** A response as the check sees it, with the request it answered. */
export interface Observed {
  readonly method: string;
  readonly url: string;
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;
}

/**
 * What the check found: the operation the response was checked under (its `operationId`, or the extension), and what is
 * wrong.
 */
export interface Verdict {
  readonly operation: string;
  readonly violations: ReadonlyArray<string>;
}

type Json = Record<string, unknown>;

const DOCUMENT_PATH = new URL('../../docs/openapi.json', import.meta.url);
// Component schemas live in ajv under these ids; the document's `#/components/schemas/X` refs are rewritten to them.
const SCHEMA_ID = 'https://org-access-tokens.invalid/components/schemas/';
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function rewriteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (!isObject(value)) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, child]) =>
      key === '$ref' && typeof child === 'string' && child.startsWith('#/components/schemas/')
        ? [key, `${SCHEMA_ID}${child.slice('#/components/schemas/'.length)}`]
        : [key, rewriteRefs(child)],
    ),
  );
}

/** The document with an ajv ready to validate against it. */
export interface Contract {
  readonly document: Json;
  check(surface: Surface, observed: Observed): Verdict;
  /** What is wrong with `value` as an instance of `components.schemas[name]`; empty when it conforms. */
  validateSchema(name: string, value: unknown): string[];
  /**
   * Compiles every schema of the document (components and inline ones); how many. Throws on one ajv's strict mode
   * refuses.
   */
  compileAll(): number;
}

/** Builds the checker for one OpenAPI document (by default docs/openapi.json as committed). */
export function createContract(document: Json = JSON.parse(readFileSync(DOCUMENT_PATH, 'utf8')) as Json): Contract {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  ajv.addFormat('date-time', (value: string) => !Number.isNaN(Date.parse(value)));
  ajv.addFormat('uri', (value: string) => URL.canParse(value));
  const components = (document.components ?? {}) as Record<string, Record<string, unknown>>;
  for (const [name, schema] of Object.entries(components.schemas ?? {}))
    ajv.addSchema(rewriteRefs(schema) as Json, `${SCHEMA_ID}${name}`);
  const compiled = new WeakMap<Json, ValidateFunction>();
  const validator = (schema: Json): ValidateFunction => {
    let validate = compiled.get(schema);
    if (validate === undefined) {
      validate = ajv.compile(rewriteRefs(schema) as Json);
      compiled.set(schema, validate);
    }
    return validate;
  };

  const resolve = (value: unknown): Json => {
    let current = value;
    for (let hops = 0; isObject(current) && typeof current.$ref === 'string'; hops++) {
      const match = /^#\/components\/(\w+)\/([\w.-]+)$/.exec(current.$ref);
      if (match === null || hops > 8) throw new Error(`unresolvable $ref ${String(current.$ref)}`);
      current = components[match[1] as string]?.[match[2] as string];
    }
    if (!isObject(current)) throw new Error('a $ref points at nothing');
    return current;
  };

  const paths = (document.paths ?? {}) as Record<string, Json>;
  const operationsOf = (item: Json): Json[] => METHODS.map((method) => item[method]).filter(isObject);
  const tokenItem = Object.values(paths).find((item) =>
    operationsOf(item).some((operation) => operation.operationId === 'getRegistryToken'),
  );
  const hubTemplates = Object.entries(paths)
    .filter(([, item]) => item !== tokenItem)
    .map(([template, item]) => ({
      template,
      item,
      pattern: new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}/?$`),
    }));

  /** The responses that apply to a request, and the name they are counted under. */
  function locate(
    surface: Surface,
    method: string,
    url: string,
  ): { readonly operation: string; readonly responses: Json } | string {
    let item: Json | undefined;
    let label: string;
    if (surface.kind === 'token') {
      if (tokenItem === undefined) return 'the document has no token endpoint';
      item = tokenItem;
      label = 'token endpoint';
    } else {
      const base = (surface.basePath ?? '').replace(/\/+$/, '');
      const prefix = base === '' || base.startsWith('/') ? base : `/${base}`;
      const { pathname } = new URL(url);
      const under = prefix === '' || pathname === prefix || pathname.startsWith(`${prefix}/`);
      const match = under ? hubTemplates.find(({ pattern }) => pattern.test(pathname.slice(prefix.length))) : undefined;
      if (match === undefined)
        return { operation: 'x-oat-other-paths', responses: (document['x-oat-other-paths'] ?? {}) as Json };
      item = match.item;
      label = match.template;
    }
    const operation = item[method.toLowerCase()];
    if (isObject(operation))
      return { operation: String(operation.operationId), responses: (operation.responses ?? {}) as Json };
    return { operation: `${label} x-oat-other-methods`, responses: (item['x-oat-other-methods'] ?? {}) as Json };
  }

  function checkHeaders(documented: Json, headers: Headers, violations: string[]): void {
    for (const [name, raw] of Object.entries(documented)) {
      const header = resolve(raw);
      const value = headers.get(name);
      if (value === null) {
        if (header.required === true) violations.push(`header ${name} is required but missing`);
        continue;
      }
      const schema = (header.schema ?? {}) as Json;
      const typed = schema.type === 'integer' && /^-?[0-9]+$/.test(value) ? Number(value) : value;
      const validate = validator(schema);
      if (!validate(typed))
        violations.push(
          `header ${name}: ${JSON.stringify(value)} ${ajv.errorsText(validate.errors, { dataVar: name })}`,
        );
    }
  }

  function checkBody(response: Json, observed: Observed, violations: string[]): void {
    const content = response.content;
    if (!isObject(content)) {
      if (observed.body !== '')
        violations.push(
          `status ${observed.status} is documented without a body, but one came: ${observed.body.slice(0, 120)}`,
        );
      return;
    }
    const media = (observed.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    const entry = content[media];
    if (!isObject(entry)) {
      violations.push(
        `content type ${JSON.stringify(media)} is not documented for status ${observed.status} (documented: ` +
          `${Object.keys(content).join(', ')})`,
      );
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(observed.body);
    } catch {
      violations.push(`the body is not JSON: ${observed.body.slice(0, 120)}`);
      return;
    }
    const validate = validator((entry.schema ?? {}) as Json);
    if (!validate(body))
      violations.push(`body ${ajv.errorsText(validate.errors, { dataVar: 'body' })}: ${observed.body.slice(0, 300)}`);
  }

  return {
    document,
    validateSchema(name, value) {
      const validate = ajv.getSchema(`${SCHEMA_ID}${name}`);
      if (validate === undefined) return [`no schema ${name}`];
      return validate(value) ? [] : [ajv.errorsText(validate.errors)];
    },
    compileAll() {
      let count = 0;
      for (const name of Object.keys(components.schemas ?? {})) {
        if (ajv.getSchema(`${SCHEMA_ID}${name}`) === undefined) throw new Error(`schema ${name} did not compile`);
        count++;
      }
      const walk = (value: unknown): void => {
        if (Array.isArray(value)) return value.forEach(walk);
        if (!isObject(value)) return;
        for (const [key, child] of Object.entries(value)) {
          if (key === 'schema' && isObject(child)) {
            validator(child);
            count++;
          } else if (key !== 'schemas') {
            walk(child);
          }
        }
      };
      walk(document);
      return count;
    },
    check(surface, observed) {
      const located = locate(surface, observed.method, observed.url);
      if (typeof located === 'string') return { operation: 'none', violations: [located] };
      const { operation, responses } = located;
      const status = String(observed.status);
      const documented = responses[status] ?? responses[`${status[0]}XX`] ?? responses.default;
      if (documented === undefined) {
        return {
          operation,
          violations: [
            `status ${status} is not documented for ${operation} (documented: ${Object.keys(responses).join(', ')})`,
          ],
        };
      }
      const response = resolve(documented);
      const violations: string[] = [];
      checkHeaders((response.headers ?? {}) as Json, observed.headers, violations);
      checkBody(response, observed, violations);
      return { operation, violations };
    },
  };
}

let shared: Contract | undefined;
const counts = new Map<string, number>();
const pending: string[] = [];

/**
 * How many responses were validated per operation (`operationId`, or the extension that covered them) in this test file
 * so far.
 */
export function validatedCounts(): ReadonlyMap<string, number> {
  return counts;
}

/** Removes and returns the violations recorded since the last test ended: for a test that provokes one on purpose. */
export function takeViolations(): string[] {
  return pending.splice(0);
}

/**
 * Throws, listing them, when responses that do not conform were recorded since the last call; runs after every test.
 */
export function assertNoViolations(): void {
  const found = takeViolations();
  if (found.length > 0) throw new Error(`responses that do not conform to docs/openapi.json:\n- ${found.join('\n- ')}`);
}

afterEach(assertNoViolations);

/**
 * Wraps a Fetch handler so each of its responses is checked against
 * docs/openapi.json and counted; the response itself is passed on untouched
 * (the check reads a clone). A non-conforming one fails the running test in
 * its `afterEach`, with the request, status and what is wrong.
 */
export function conforming<R extends ReadonlyArray<unknown>>(
  handler: (request: Request, ...rest: R) => Promise<Response>,
  surface: Surface,
): (request: Request, ...rest: R) => Promise<Response> {
  return async (request, ...rest) => {
    const { method, url } = request;
    const response = await handler(request, ...rest);
    const body = await response.clone().text();
    shared ??= createContract();
    const verdict = shared.check(surface, { method, url, status: response.status, headers: response.headers, body });
    counts.set(verdict.operation, (counts.get(verdict.operation) ?? 0) + 1);
    for (const violation of verdict.violations)
      pending.push(`${method} ${url} -> ${response.status} (${verdict.operation}): ${violation}`);
    return response;
  };
}
