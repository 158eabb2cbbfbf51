import { describe, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import type {
  HubAccessToken,
  HubAccessTokenPage,
  HubAccessTokenSummary,
  HubCreatedAccessToken,
  HubErrorBody,
  HubErrorCode,
  HubValidationErrorBody,
  HubResource,
} from '../../src/hub-api/index.js';
import type {
  hubAccessTokenPageSchema,
  hubAccessTokenSchema,
  hubAccessTokenSummarySchema,
  hubCreatedAccessTokenSchema,
  hubErrorBodySchema,
  hubErrorCodeSchema,
  hubResourceSchema,
  hubValidationErrorBodySchema,
} from '../../src/hub-api/wire.js';

// Checked by `tsc --noEmit`: the public interfaces and the zod schemas the OpenAPI document is generated from
// describe exactly the same bodies, so neither can drift from the other.
describe('the Hub API wire schemas', () => {
  it('give exactly the public types', () => {
    expectTypeOf<z.output<typeof hubResourceSchema>>().toEqualTypeOf<HubResource>();
    expectTypeOf<z.output<typeof hubAccessTokenSummarySchema>>().toEqualTypeOf<HubAccessTokenSummary>();
    expectTypeOf<z.output<typeof hubAccessTokenSchema>>().toEqualTypeOf<HubAccessToken>();
    expectTypeOf<z.output<typeof hubCreatedAccessTokenSchema>>().toEqualTypeOf<HubCreatedAccessToken>();
    expectTypeOf<z.output<typeof hubAccessTokenPageSchema>>().toEqualTypeOf<HubAccessTokenPage>();
    expectTypeOf<z.output<typeof hubErrorCodeSchema>>().toEqualTypeOf<HubErrorCode>();
    expectTypeOf<z.output<typeof hubErrorBodySchema>>().toEqualTypeOf<HubErrorBody>();
    expectTypeOf<z.output<typeof hubValidationErrorBodySchema>>().toEqualTypeOf<HubValidationErrorBody>();
  });
});
