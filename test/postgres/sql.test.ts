import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isOatError } from '../../src/errors.js';
import { POSTGRES_MIGRATION_SQL, migrationSql } from '../../src/postgres/index.js';
import { counterStatements, quoteSchema, statements } from '../../src/postgres/sql.js';
import { fromTextColumn, toTextColumn } from '../../src/postgres/text.js';

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

function misconfigured(run: () => unknown): boolean {
  try {
    run();
    return false;
  } catch (error) {
    return isOatError(error) && error.code === 'MISCONFIGURED';
  }
}

describe('PostgreSQL identifiers: only a strict schema name ever reaches SQL', () => {
  it(
    'quoteSchema accepts exactly the names matching /^[a-z_][a-z0-9_]{0,62}$/ and quotes them; anything else ' +
      'is MISCONFIGURED',
    () => {
      const names = fc.oneof(
        fc.string({ maxLength: 70 }),
        fc.string({ unit: fc.constantFrom(...'abz_09"; -A.'.split('')), maxLength: 70 }),
      );
      fc.assert(
        fc.property(names, (name) => {
          if (SCHEMA_NAME.test(name)) expect(quoteSchema(name)).toBe(`"${name}"`);
          else expect(misconfigured(() => quoteSchema(name))).toBe(true);
        }),
      );
    },
  );

  it('names an attacker would try are refused before any statement is built', () => {
    for (const name of [
      '',
      'Public',
      '1st',
      'a-b',
      'a b',
      'x"; DROP TABLE oat_tokens; --',
      'a'.repeat(64),
      'tokens\u0000',
      'ümlaut',
    ]) {
      expect({ name, refused: misconfigured(() => statements(name)) }).toEqual({ name, refused: true });
      expect({ name, refused: misconfigured(() => migrationSql(name)) }).toEqual({ name, refused: true });
    }
  });

  it(
    'the exported migration is the public-schema one and leaves CREATE SCHEMA out; another schema is created ' +
      'and every object is qualified',
    () => {
      expect(POSTGRES_MIGRATION_SQL).toBe(migrationSql('public'));
      expect(POSTGRES_MIGRATION_SQL).not.toMatch(/CREATE SCHEMA/);
      const other = migrationSql('tenant_7');
      expect(other).toMatch(/^CREATE SCHEMA IF NOT EXISTS "tenant_7";/);
      expect(other.match(/CREATE (?:UNIQUE )?(?:TABLE|INDEX) IF NOT EXISTS/g)).toHaveLength(7);
      expect(
        other.match(
          new RegExp(
            [
              'ON "tenant_7"\\.oat_(?:tokens|rotated_secrets)',
              'TABLE IF NOT EXISTS "tenant_7"\\.oat_(?:tokens|org_quota|schema_version|rotated_secrets)',
              'INSERT INTO "tenant_7"\\.oat_schema_version',
            ].join('|'),
            'g',
          ),
        ),
      ).toHaveLength(8);
    },
  );

  it('every statement binds values as $n parameters and names tables only through the quoted schema', () => {
    for (const [name, text] of Object.entries({ ...statements('s1'), ...counterStatements('s1') })) {
      const tables = text.match(/\boat_(?:tokens|org_quota|rotated_secrets)\b/g) ?? [];
      const qualified = text.match(/"s1"\.oat_(?:tokens|org_quota|rotated_secrets)\b/g) ?? [];
      expect({ name, unqualified: tables.length - qualified.length }).toEqual({ name, unqualified: 0 });
      expect({
        name,
        literals: text.match(/'[^']*'/g)?.filter((l: string) => !["'deleted'", "'expired'"].includes(l)) ?? [],
      }).toEqual({ name, literals: [] });
    }
  });
});

describe('free text as PostgreSQL text can hold it', () => {
  // Any UTF-16 code unit, lone surrogates and U+0000 included.
  const anyText = fc.string({
    unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
    maxLength: 30,
  });
  const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

  it('decoding an encoded string gives it back, for every string', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        expect(fromTextColumn(toTextColumn(text))).toBe(text);
      }),
    );
  });

  it('an encoded string holds no U+0000 and no lone surrogate, so PostgreSQL stores it exactly', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        expect(UNSTORABLE.test(toTextColumn(text))).toBe(false);
      }),
    );
  });

  it('ordinary text is stored unchanged', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), (text) => {
        fc.pre(!text.startsWith('\uFFFF'));
        expect(toTextColumn(text)).toBe(text);
      }),
    );
    expect(toTextColumn('déploiement — CI 🚀')).toBe('déploiement — CI 🚀');
  });

  it('values that are not encoded strings pass through decoding untouched', () => {
    for (const value of [null, 42, 'plain', '\uFFFFnot json', '\uFFFF42']) expect(fromTextColumn(value)).toBe(value);
  });
});
