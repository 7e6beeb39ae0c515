import type { Settings } from '../config/index.ts';
import type { DatabaseHandle } from '../db/create-database.ts';
import {
  createMigrator,
  MIGRATIONS_DIR,
  MigrationFileMissingError,
  MigrationsPendingError,
} from '../db/migrate/index.ts';
import type { Logger } from '../logger.ts';

/**
 * Refuses to run on a schema that is not at head: `ctrip serve` and `ctrip worker` never
 * migrate (in production several of them start at once; `ctrip migrate upgrade` or
 * `ctrip start` does it), and code on an older schema would fail in confusing ways.
 */
export async function requireSchemaAtHead(
  settings: Settings,
  database: DatabaseHandle,
  logger: Logger,
): Promise<void> {
  const migrator = createMigrator({
    db: database.db,
    migrationsDir: MIGRATIONS_DIR,
    lockTimeoutMs: settings.database.migrationLockTimeoutMs,
  });
  const status = await migrator.status();
  if (status.missing.length > 0) throw new MigrationFileMissingError(status.missing);
  for (const file of status.edited) {
    logger.warn({ revision: file.revision }, `${file.fileName} was edited after it was applied`);
  }
  if (status.pending.length > 0) {
    throw new MigrationsPendingError(status.pending.map((f) => f.revision));
  }
}
