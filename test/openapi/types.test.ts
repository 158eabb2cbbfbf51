import { describe, expectTypeOf, it } from 'vitest';
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
import type { OatErrorCode } from '../../src/index.js';

// Checked by `tsc --noEmit`: the types derived from the zod schemas are exactly the interfaces they replaced.

interface Summary {
  readonly id: string;
  readonly label: string;
  readonly description: string;
  readonly created_by: string;
  readonly is_active: boolean;
  readonly created_at: string;
  readonly expires_at: string | null;
  readonly last_used_at: string | null;
}
interface Resource {
  readonly type: 'TYPE_REPO' | 'TYPE_ORG';
  readonly path: string;
  readonly scopes: ReadonlyArray<string>;
}
interface Token extends Summary {
  readonly resources: ReadonlyArray<Resource>;
}
interface Created extends Token {
  readonly token: string;
}
type ErrorCode = OatErrorCode | 'UNAUTHENTICATED' | 'ROUTE_NOT_FOUND' | 'METHOD_NOT_ALLOWED' | 'UNSUPPORTED_MEDIA_TYPE' | 'PAYLOAD_TOO_LARGE' | 'INTERNAL';

describe('the Hub API types derived from the wire schemas', () => {
  it('keep their names and their readonly shapes', () => {
    expectTypeOf<HubResource>().toEqualTypeOf<Resource>();
    expectTypeOf<HubAccessTokenSummary>().toEqualTypeOf<Summary>();
    expectTypeOf<HubAccessToken>().toEqualTypeOf<Token>();
    expectTypeOf<HubCreatedAccessToken>().toEqualTypeOf<Created>();
    expectTypeOf<HubAccessTokenPage>().toEqualTypeOf<{ readonly total: number; readonly next: string | null; readonly previous: string | null; readonly results: ReadonlyArray<Summary> }>();
    expectTypeOf<HubErrorCode>().toEqualTypeOf<ErrorCode>();
    expectTypeOf<HubErrorBody>().toEqualTypeOf<{ readonly detail: string; readonly message: string; readonly code: ErrorCode }>();
    expectTypeOf<HubValidationErrorBody>().toEqualTypeOf<{ readonly fields: Readonly<Record<string, ReadonlyArray<string>>>; readonly text: string; readonly code: 'VALIDATION_FAILED' }>();
  });
});
