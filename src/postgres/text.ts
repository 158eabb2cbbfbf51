/**
 * Free text (label, description, created by) as PostgreSQL can hold it.
 *
 * `text` cannot hold U+0000, and node-postgres sends strings as UTF-8, which
 * cannot carry a lone surrogate; the service accepts both in a description.
 * Such a string is stored as a marker (U+FFFF, a noncharacter no input
 * contains) followed by its JSON text, which spells both as `\u` escapes.
 * Every other string is stored unchanged, so the table stays readable and
 * searchable by other tools.
 */
const MARK = '\uFFFF';
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The free-text columns this encoding applies to. */
const FREE_TEXT_COLUMNS = ['label', 'description', 'created_by'] as const;

/** Encodes a free-text value for a `text` column; the identity for every ordinary string. */
export function toTextColumn(value: string): string {
  return UNSTORABLE.test(value) || value.startsWith(MARK) ? MARK + JSON.stringify(value) : value;
}

/** Reverses {@link toTextColumn}; anything that is not an encoded string is returned as it is. */
export function fromTextColumn(value: unknown): unknown {
  if (typeof value !== 'string' || !value.startsWith(MARK)) return value;
  try {
    const decoded: unknown = JSON.parse(value.slice(MARK.length));
    return typeof decoded === 'string' ? decoded : value;
  } catch {
    return value;
  }
}

/** A row with its free-text columns decoded, ready for `parseStoredRecord`. */
export function decodeRow(row: unknown): unknown {
  if (typeof row !== 'object' || row === null) return row;
  const source = row as Record<string, unknown>;
  const decoded: Record<string, unknown> = { ...source };
  for (const column of FREE_TEXT_COLUMNS) if (column in source) decoded[column] = fromTextColumn(source[column]);
  return decoded;
}
