import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OatError } from '../../src/errors.js';
import { guard, wrapFault } from '../../src/faults.js';
import { storeFault } from '../../src/postgres/faults.js';
import { setupFailure, storeFailure } from '../../src/sqlite/faults.js';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '../../src');
/** An OatError from another copy of the package: same name and code, another class. */
const foreign = () =>
  Object.assign(new Error('from another copy'), {
    name: 'OatError',
    code: 'NOT_FOUND',
    fields: [],
    context: { kept: true },
  });
const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );

describe('wrapFault, the one fault wrapper', () => {
  it(
    'wraps anything that is not an OatError with the code, the message, the original as cause, and ' + 'the context',
    () => {
      fc.assert(
        fc.property(
          fc.anything(),
          fc.constantFrom('STORE_FAILURE', 'DIRECTORY_FAILURE', 'MISCONFIGURED'),
          (thrown, code) => {
            fc.pre(!(thrown instanceof Error));
            const fault = wrapFault(code, 'the port failed', thrown, { operation: 'findById' });
            expect(fault).toBeInstanceOf(OatError);
            expect(fault).toMatchObject({ code, message: 'the port failed', context: { operation: 'findById' } });
            expect(fault.cause).toBe(thrown);
          },
        ),
      );
    },
  );

  it('passes an OatError through unchanged, from this copy of the package or another', () => {
    const own = new OatError('STORE_FAILURE', 'wrapped deeper down', { context: { operation: 'replace' } });
    expect(wrapFault('DIRECTORY_FAILURE', 'outer', own)).toBe(own);
    const other = foreign();
    expect(wrapFault('STORE_FAILURE', 'outer', other)).toBe(other);
  });

  it('is what the SQLite and PostgreSQL stores wrap with, so they pass a foreign OatError through as well', () => {
    for (const wrap of [storeFault, storeFailure, setupFailure]) {
      const other = foreign();
      expect(wrap('insertWithinQuota', other)).toBe(other);
    }
    expect(storeFault('list', Object.assign(new Error('boom'), { code: '57P01', severity: 'FATAL' }))).toMatchObject({
      code: 'STORE_FAILURE',
      context: { operation: 'list', sqlstate: '57P01' },
    });
  });

  it('guard wraps a synchronous throw and a rejection alike, and hands back the value otherwise', async () => {
    const cause = new Error('socket closed');
    await expect(
      guard('STORE_FAILURE', 'The token store failed', () => {
        throw cause;
      }),
    ).rejects.toMatchObject({ code: 'STORE_FAILURE', cause });
    await expect(guard('DIRECTORY_FAILURE', 'The directory failed', () => Promise.reject(cause))).rejects.toMatchObject(
      { code: 'DIRECTORY_FAILURE', cause },
    );
    await expect(guard('STORE_FAILURE', 'unused', () => 42)).resolves.toBe(42);
  });

  it('is the only place in src that makes an OatError with a caught error as its cause', () => {
    const wrapping = files(SRC)
      .filter((file) => /cause:\s*error\b/.test(readFileSync(file, 'utf8')))
      .map((file) => relative(SRC, file));
    expect(wrapping).toEqual(['faults.ts']);
  });
});
