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
export { DEFAULT_SCOPES, isScope, SCOPES, type Scope } from './scopes.ts';
