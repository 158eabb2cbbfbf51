/**
 * `org-access-tokens/testing`: what property-based test suites need. fast-check
 * arbitraries, a fake clock, a scheduled store for race tests, the model-based
 * check of the whole service, and the TokenStore conformance suite for vitest.
 *
 * ESM only: the conformance suite imports vitest, which cannot be required.
 *
 * @example
 * ```ts
 * import { describeTokenStoreContract } from 'org-access-tokens/testing';
 *
 * describeTokenStoreContract({ name: 'my store', makeStore: async () => ({ store: createMyStore() }) });
 * ```
 *
 * @packageDocumentation
 * @module org-access-tokens/testing
 */
export {
  authorizationRequestArbitrary,
  createInputArbitrary,
  networkArbitrary,
  organizationNameArbitrary,
  repositoryNameArbitrary,
  resourcesArbitrary,
  scopeArbitrary,
  tokenIdArbitrary,
  tokenRecordArbitrary,
} from './arbitraries.js';
export { createFakeClock } from './fake-clock.js';
export type { FakeClock } from './fake-clock.js';
export { scheduledStore } from './scheduled-store.js';
export { MODEL_ORGANIZATIONS, checkTokenServiceModel, serviceModelCommands } from './model.js';
export type {
  ModelOrganization,
  ModelToken,
  NetworkChoice,
  ServiceModel,
  ServiceModelOptions,
  ServiceReal,
} from './model.js';
export { TEST_EPOCH, describeTokenStoreContract, makeTestRecord, nextVersion } from './store-contract.js';
export type {
  StoreUnderTest,
  TestRecordOverrides,
  TokenStoreCapabilities,
  TokenStoreContractOptions,
} from './store-contract.js';
