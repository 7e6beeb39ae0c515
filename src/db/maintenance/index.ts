export {
  BACKUP_EXTENSIONS,
  type BackupDatabaseParams,
  type BackupDatabaseReturnType,
  type BackupProgress,
  backupDatabase,
  nameBackupFile,
} from './backup-database.ts';
export {
  type CheckDatabaseOptions,
  checkDatabase,
  type DatabaseCheck,
} from './check-database.ts';
export * from './errors.ts';
export { requireDatabaseFile } from './require-database-file.ts';
export {
  type RestoreDatabaseParams,
  type RestoreDatabaseReturnType,
  type RestoreStep,
  restoreDatabase,
} from './restore-database.ts';
export {
  type VacuumDatabaseOptions,
  type VacuumDatabaseReturnType,
  vacuumDatabase,
} from './vacuum-database.ts';
