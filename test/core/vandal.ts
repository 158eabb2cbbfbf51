// Tools for the immutability properties: find every object reachable from a
// value, and try every way of changing each one that a caller holding a cast
// could try. Frozen things throw in strict mode; the throws are swallowed, so
// only a change that lands can make a later decision differ.

/**
 * Every object (arrays, maps, sets, dates) reachable through own properties
 * and collection entries. Functions are not entered: decisions call them but
 * never read their properties.
 */
export function reachable(root: unknown): ReadonlyArray<object> {
  const seen = new Set<object>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value !== 'object' || value === null || seen.has(value)) continue;
    seen.add(value);
    if (value instanceof Map) for (const [k, v] of value) stack.push(k, v);
    if (value instanceof Set) for (const v of value) stack.push(v);
    for (const key of Reflect.ownKeys(value)) {
      const descriptor = Reflect.getOwnPropertyDescriptor(value, key);
      if (descriptor !== undefined && 'value' in descriptor) stack.push(descriptor.value);
    }
  }
  return [...seen];
}

/** The objects among `reachable(root)` that are not frozen, described by type, for failure messages. */
export function unfrozen(root: unknown): ReadonlyArray<string> {
  return reachable(root)
    .filter((o) => !Object.isFrozen(o) || o instanceof Map || o instanceof Set || o instanceof Date)
    .map((o) => `${Object.prototype.toString.call(o)} ${safeJson(o)}`);
}

function safeJson(value: unknown): string {
  try {
    return (JSON.stringify(value) ?? '').slice(0, 120);
  } catch {
    return '(unprintable)';
  }
}

const attempt = (change: () => unknown): void => {
  try {
    change();
  } catch {
    // A frozen object refused the change: exactly what should happen.
  }
};

/**
 * Tries to change every object reachable from `root`: overwrite, delete and
 * add properties, grow and empty arrays, set and clear maps and sets, move
 * dates. Values written come from `pool`, cycled. Never touches prototypes.
 */
export function vandalize(root: unknown, pool: ReadonlyArray<unknown>): void {
  const targets = reachable(root);
  let i = 0;
  const next = (): unknown => (pool.length === 0 ? 0x7fffffff : pool[i++ % pool.length]);
  for (const target of targets) {
    const o = target as Record<PropertyKey, unknown>;
    if (target instanceof Map) {
      for (const key of [...target.keys()]) attempt(() => Map.prototype.set.call(target, key, next()));
      attempt(() => Map.prototype.set.call(target, next(), next()));
      attempt(() => Map.prototype.set.call(target, 'acme/app', 0x7fffffff));
    } else if (target instanceof Set) {
      attempt(() => Set.prototype.add.call(target, next()));
    } else if (target instanceof Date) {
      attempt(() => Date.prototype.setTime.call(target, 0));
    }
    for (const key of Reflect.ownKeys(target)) {
      attempt(() => {
        // A huge length would make the unshift below move billions of holes: emptying is the harmful change anyway.
        o[key] = Array.isArray(target) && key === 'length' ? 0 : next();
      });
    }
    if (Array.isArray(target)) {
      attempt(() => Array.prototype.push.call(target, next()));
      attempt(() => Array.prototype.unshift.call(target, next()));
    }
    attempt(() => {
      o['maxTokens'] = 0x7fffffff;
    });
    attempt(() => {
      o[`added${i}`] = next();
    });
  }
  // Deletions last, so that the writes above reached every property first.
  for (const target of targets) {
    for (const key of Reflect.ownKeys(target)) attempt(() => delete (target as Record<PropertyKey, unknown>)[key]);
    if (target instanceof Map) attempt(() => Map.prototype.clear.call(target));
  }
}
