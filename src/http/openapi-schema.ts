import { z } from 'zod';
import type { JsonObject, JsonValue } from './json-types.js';

/**
 * Turns zod schemas into the JSON Schema 2020-12 an OpenAPI 3.1 document
 * holds. Internal: the document's builders in src/hub-api and src/registry
 * use it; no entry point exports it.
 */

/**
 * Whether a schema describes what is sent (`input`: request bodies, before
 * transforms) or what is answered (`output`).
 */
export type SchemaDirection = 'input' | 'output';

// A request schema accepts `Date`s from TypeScript callers; JSON cannot carry one, so those branches leave the
// document.
const DROP = 'x-oat-drop';

const markDates: NonNullable<Parameters<typeof z.toJSONSchema>[1]>['override'] = (ctx) => {
  if (ctx.zodSchema._zod.def.type === 'date') ctx.jsonSchema[DROP] = true;
};

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Cleans zod's output for a document: no `$schema`/`$id` (the document fixes
 * the dialect and the names), no `readOnly` (it comes from `.readonly()`,
 * which is about TypeScript, not the wire), no `Date` branches, and a union
 * left with one branch becomes that branch.
 */
function tidy(value: unknown): JsonValue {
  if (Array.isArray(value)) return value.map(tidy);
  if (!isObject(value)) return value as JsonValue;
  const out: Record<string, JsonValue> = {};
  for (const [key, child] of Object.entries(value)) {
    if (key === '$schema' || key === '$id' || key === 'readOnly') continue;
    out[key] = tidy(child);
  }
  const anyOf = out.anyOf;
  if (Array.isArray(anyOf)) {
    const kept = anyOf
      .filter((branch) => !(isObject(branch) && branch[DROP] === true))
      .flatMap((branch) =>
        isObject(branch) && Object.keys(branch).length === 1 && Array.isArray(branch.anyOf)
          ? (branch.anyOf as ReadonlyArray<JsonValue>)
          : [branch],
      );
    delete out.anyOf;
    if (kept.length === 1 && isObject(kept[0])) return { ...(kept[0] as JsonObject), ...out };
    out.anyOf = kept;
  }
  return out;
}

const options = (io: SchemaDirection) =>
  ({ io, target: 'draft-2020-12', unrepresentable: 'any', override: markDates }) as const;

/** One schema, inlined: for bodies, parameters and headers that appear once. */
export function jsonSchemaOf(schema: z.ZodType, io: SchemaDirection): JsonObject {
  return tidy(z.toJSONSchema(schema, options(io))) as JsonObject;
}

/**
 * Named schemas for `components.schemas`: each refers to the others by
 * `#/components/schemas/<name>`, so a shape used in several places is written once.
 */
export function componentSchemas(
  named: Readonly<Record<string, z.ZodType>>,
  io: SchemaDirection,
): Record<string, JsonObject> {
  const registry = z.registry<{ readonly id: string }>();
  for (const [id, schema] of Object.entries(named)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { ...options(io), uri: (id) => `#/components/schemas/${id}` });
  const out: Record<string, JsonObject> = {};
  for (const id of Object.keys(named)) out[id] = tidy(schemas[id]) as JsonObject;
  return out;
}

/** A `$ref` to a named component. */
export const ref = (section: 'schemas' | 'responses' | 'headers' | 'parameters', name: string): JsonObject => ({
  $ref: `#/components/${section}/${name}`,
});
