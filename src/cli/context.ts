import { loadSettings, type Settings } from '../config/index.ts';
import { createDatabase, type DatabaseHandle } from '../db/create-database.ts';

/** Settings for a command: read once, here, from the environment and `.env`. */
export function readSettings(): Settings {
  return loadSettings();
}

/**
 * Opens the configured database and proves it answers, so a command fails with "cannot
 * reach the database (PostgreSQL ctrip@db:5432/ctrip): connection refused" before doing work.
 */
export async function openDatabase(settings: Settings): Promise<DatabaseHandle> {
  const handle = createDatabase(settings.database);
  try {
    await handle.ping();
  } catch (error) {
    await handle.close().catch(() => {});
    throw error;
  }
  return handle;
}

/** Runs `fn` with an open database and closes it whatever happens. */
export async function withDatabase<T>(
  settings: Settings,
  fn: (handle: DatabaseHandle) => Promise<T>,
): Promise<T> {
  const handle = await openDatabase(settings);
  try {
    return await fn(handle);
  } finally {
    await handle.close();
  }
}
