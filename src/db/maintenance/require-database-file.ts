import { existsSync } from 'node:fs';
import type { DatabaseTarget } from '../../config/database-url.ts';
import { DatabaseFileMissingError } from './errors.ts';

/**
 * Throws `DatabaseFileMissingError` when the target is a SQLite file that does not exist.
 * Call it before opening the database for maintenance: opening creates the file, and a
 * check or vacuum of a database that a typo in the URL just created helps nobody.
 */
export function requireDatabaseFile(target: DatabaseTarget): void {
  if (target.engine !== 'sqlite' || target.filename === ':memory:') return;
  if (!existsSync(target.filename)) throw new DatabaseFileMissingError(target.filename);
}
