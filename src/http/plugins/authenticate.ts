import type { FastifyRequest } from 'fastify';
import type { AuthenticatedKey, Scope } from '../../api-keys/index.ts';
import { authenticateApiKey } from '../../api-keys/index.ts';
import type { AppDeps } from '../app-deps.ts';
import { HttpError } from '../problem.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The API key the request was made with; set by `requireScope`. */
    apiKey?: AuthenticatedKey;
  }
}

/**
 * An onRequest hook (before the body is even parsed, so a stranger learns nothing about the
 * API's validation) that admits a request only with a valid, unrevoked key (`Authorization:
 * Bearer <key>`) that has `scope`: 401 without one, 403 without the scope. The key is never
 * logged (the logger redacts the header, and the key never reaches a message).
 */
export function requireScope(deps: AppDeps, scope: Scope) {
  return async (request: FastifyRequest): Promise<void> => {
    const header = request.headers.authorization;
    if (!header) {
      throw new HttpError('AUTH_REQUIRED', 'send an API key: Authorization: Bearer <key>');
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const key = match
      ? await authenticateApiKey(deps.db, match[1] as string, deps.settings.secretKey)
      : null;
    if (!key) throw new HttpError('AUTH_INVALID', 'the API key is not valid or has been revoked');
    if (!key.scopes.includes(scope)) {
      throw new HttpError('FORBIDDEN_SCOPE', `this API key lacks the ${scope} scope`);
    }
    request.apiKey = key;
  };
}

/** The authenticated key of a request that went through `requireScope`. */
export function apiKeyOf(request: FastifyRequest): AuthenticatedKey {
  if (!request.apiKey) throw new Error('route is missing requireScope');
  return request.apiKey;
}
