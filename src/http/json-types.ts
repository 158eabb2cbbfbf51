// JSON value types apart from the schema helpers, so the published declarations that name them import no zod.

/** A JSON value, as an OpenAPI document holds them. */
export type JsonValue = string | number | boolean | null | ReadonlyArray<JsonValue> | JsonObject;

/** A JSON object, as an OpenAPI document holds them. */
export interface JsonObject {
  readonly [key: string]: JsonValue;
}
