import { CtripError } from '../errors.ts';

export type ApiKeyErrorCode =
  | 'API_KEY_NOT_FOUND'
  | 'API_KEY_INVALID_SCOPE'
  | 'API_KEY_INVALID_NAME';

export class ApiKeyError extends CtripError {
  declare readonly code: ApiKeyErrorCode;

  constructor(code: ApiKeyErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, { details });
  }
}
