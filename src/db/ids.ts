import { v7 } from 'uuid';

/**
 * A new row id: a UUIDv7, made in the application so an id is known before the insert, and
 * time-ordered so new rows land at the end of primary-key indexes instead of all over them.
 */
export function newId(): string {
  return v7();
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Whether `value` can be a row id. Check before looking one up: PostgreSQL refuses a
 * malformed uuid with an error where SQLite simply finds nothing, and callers want "not found"
 * from both.
 */
export function isId(value: string): boolean {
  return UUID.test(value);
}

/**
 * The smallest UUIDv7 made at `time`: ids of rows created since then compare at or above it,
 * so "created since" becomes a range on the primary key, which every engine indexes.
 */
export function idFloorAt(time: Date): string {
  const hex = Math.max(0, time.getTime()).toString(16).padStart(12, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-7000-8000-000000000000`;
}
