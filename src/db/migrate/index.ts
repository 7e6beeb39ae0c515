import { fileURLToPath } from 'node:url';

export { type BatchTableBuilder, batchAlterTable } from './batch-alter-table.ts';
export { createMigrationFile } from './create-migration-file.ts';
export * from './errors.ts';
export { type MigrationFile, readMigrationFiles } from './migration-files.ts';
export {
  createMigrator,
  type Direction,
  type MigrationStatus,
  type Migrator,
  type StepResult,
} from './migrator.ts';
export { renderOfflineSql } from './offline-sql.ts';
export { VERSION_TABLE } from './version-table.ts';

/** The project's own migrations. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations/', import.meta.url));
