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

/**
 * The project's own migrations, always the TypeScript sources: their checksums are taken
 * from the files developers write, whether cTrip runs from src/ or from the build in dist/
 * (which sits at the same depth).
 */
export const MIGRATIONS_DIR = fileURLToPath(
  new URL('../../../src/db/migrations/', import.meta.url),
);
