// Fails the run unless the core really comes from the bundle: through a direct import of a core module, and
// through the main entry the tests import.
import * as direct from '../src/core/format.js';
import * as entry from '../src/index.js';

if ((direct as Record<string, unknown>)['CORE_BUNDLE_MARKER'] !== true)
  throw new Error('src/core/format.ts was not resolved to the core bundle');
if (entry.createTokenFormat !== direct.createTokenFormat || entry.decideLogin === undefined)
  throw new Error('src/index.ts does not take the core from the bundle');
