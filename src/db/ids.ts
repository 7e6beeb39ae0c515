import { v7 } from 'uuid';

/**
 * A new row id: a UUIDv7, made in the application so an id is known before the insert, and
 * time-ordered so new rows land at the end of primary-key indexes instead of all over them.
 */
export function newId(): string {
  return v7();
}
