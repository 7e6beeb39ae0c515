import { isId } from '../../../db/ids.ts';
import { HttpError } from '../../problem.ts';

/** Lists page by the last id of the previous page: anything else is refused, naming `cursor`. */
export function assertCursor(cursor: string | undefined): void {
  if (cursor !== undefined && !isId(cursor)) {
    throw new HttpError('VALIDATION_FAILED', 'the query is not valid', [
      { field: 'cursor', message: 'is not a cursor this API returned' },
    ]);
  }
}
