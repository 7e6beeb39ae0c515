import { CtripError } from '../errors.ts';

export type StoreErrorCode = 'STORE_NOT_FOUND' | 'STORE_NAME_TAKEN' | 'STORE_INVALID_NAME';

export class StoreError extends CtripError {
  declare readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, { details });
  }
}
