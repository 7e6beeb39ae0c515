export {
  type ApiKeySummary,
  type AuthenticatedKey,
  authenticateApiKey,
  type CreatedApiKey,
  createApiKey,
  listApiKeys,
  parseScopes,
  revokeApiKey,
} from './api-key-store.ts';
export { ApiKeyError, type ApiKeyErrorCode } from './errors.ts';
export {
  claimIdempotencyKey,
  completeIdempotentRequest,
  IDEMPOTENCY_RETENTION_MS,
  type IdempotencyClaim,
  purgeIdempotencyKeys,
  releaseIdempotencyClaim,
} from './idempotency-store.ts';
export { DEFAULT_SCOPES, isScope, SCOPES, type Scope } from './scopes.ts';
