import { resolve } from 'node:path';
import type { Command } from 'commander';
import { describeDatabaseTarget } from '../../config/index.ts';
import { createDatabase } from '../../db/create-database.ts';
import {
  type BackupProgress,
  backupDatabase,
  checkDatabase,
  type DatabaseCheck,
  nameBackupFile,
  type RestoreStep,
  requireDatabaseFile,
  restoreDatabase,
  vacuumDatabase,
} from '../../db/maintenance/index.ts';
import { MIGRATIONS_DIR } from '../../db/migrate/index.ts';
import { models } from '../../db/models/index.ts';
import { readSettings, withDatabase } from '../context.ts';
import { ExitCode } from '../exit-codes.ts';
import { printJson, printLine } from '../output.ts';

/** A terminal is redrawn at most this often: pg_dump hands over data in 64 KiB chunks. */
const PROGRESS_INTERVAL_MS = 100;

const STOP_THE_GATEWAY = `
Stop the gateway first: \`ctrip start\`, \`ctrip serve\` and every \`ctrip worker\` must not be
running while the database is replaced. A SQLite file is swapped underneath open connections;
a PostgreSQL restore waits for their locks and the gateway would then run on data it did not
expect. The backup is checked before anything is changed; on PostgreSQL the restore runs in
one transaction (all or nothing) and leaves alone objects the backup does not contain.
Afterwards, run \`ctrip db check\`: a backup taken before a migration needs \`ctrip migrate upgrade\`.`;

export function registerDbCommand(program: Command): void {
  const db = program.command('db').description('back up, restore, vacuum and check the database');

  db.command('backup')
    .argument('[file]', 'where to write (default: ./backups/ctrip-<engine>-<UTC time>.<dump|db>)')
    .description(
      'copy the database to a new file while the gateway runs (PostgreSQL: pg_dump custom format; SQLite: online backup); never overwrites a file',
    )
    .action(async (file: string | undefined) => {
      const settings = readSettings();
      const { target, sqliteBusyTimeoutMs } = settings.database;
      const path = file ? resolve(settings.cwd, file) : nameBackupFile(target.engine, settings.cwd);
      const progress = createProgressLine();
      const result = await backupDatabase({
        target,
        file: path,
        sqliteBusyTimeoutMs,
        onProgress: (p) => progress.update(describeProgress(p)),
      }).finally(() => progress.clear());
      printLine(
        `backed up ${describeDatabaseTarget(target)} to ${result.file} (${formatBytes(result.bytes)}, ${result.durationMs} ms)`,
      );
    });

  db.command('restore')
    .argument('<file>', 'a backup made by `ctrip db backup` on the same engine')
    .description('replace the database with a backup (stop the gateway first)')
    .addHelpText('after', STOP_THE_GATEWAY)
    .action(async (file: string) => {
      const settings = readSettings();
      const { target } = settings.database;
      const where = describeDatabaseTarget(target);
      const path = resolve(settings.cwd, file);
      const messages: Record<RestoreStep, string> = {
        verifying: `checking ${path}…`,
        replacing: `restoring ${where}…`,
      };
      const result = await restoreDatabase({
        target,
        file: path,
        onStep: (step) => printLine(messages[step]),
      });
      printLine(`restored ${where} from ${result.file} (${result.durationMs} ms)`);
      printLine('run `ctrip db check` to see whether migrations are pending');
    });

  db.command('vacuum')
    .description(
      'reclaim space and refresh planner statistics (PostgreSQL: VACUUM ANALYZE; SQLite: VACUUM, PRAGMA optimize)',
    )
    .action(async () => {
      const settings = readSettings();
      requireDatabaseFile(settings.database.target);
      const result = await withDatabase(settings, (handle) =>
        vacuumDatabase(handle, { onStatement: (statement) => printLine(`running ${statement}…`) }),
      );
      printLine(
        `done in ${result.durationMs} ms; size ${formatBytes(result.bytesBefore)} → ${formatBytes(result.bytesAfter)}`,
      );
    });

  db.command('check')
    .description(
      'check the connection, integrity (SQLite), foreign keys (SQLite) and migrations; exits 1 on any problem',
    )
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }) => {
      const settings = readSettings();
      requireDatabaseFile(settings.database.target);
      // Not openDatabase: an unreachable server is one of the things `check` reports.
      const handle = createDatabase(settings.database);
      try {
        const checks = await checkDatabase(handle, {
          migrationsDir: MIGRATIONS_DIR,
          models,
          ignoreTables: settings.database.migrateIgnoreTables,
          onCheck: options.json ? undefined : printCheck,
        });
        const ok = checks.every((c) => c.ok);
        if (options.json) printJson({ ok, database: handle.where, checks });
        if (!ok) process.exitCode = ExitCode.failure;
      } finally {
        await handle.close();
      }
    });
}

function printCheck(check: DatabaseCheck): void {
  printLine(`${(check.ok ? 'ok' : 'problem').padEnd(9)}${check.name.padEnd(17)}${check.detail}`);
}

function describeProgress(progress: BackupProgress): string {
  if (progress.engine === 'postgres') return `${formatBytes(progress.bytesWritten)} written`;
  const percent =
    progress.totalPages === 0 ? 100 : Math.floor((progress.pagesDone / progress.totalPages) * 100);
  return `${progress.pagesDone}/${progress.totalPages} pages (${percent}%)`;
}

/**
 * A status line redrawn in place on stderr, and only when stderr is a terminal: in a log
 * file or a pipe, carriage returns would make a mess of it.
 */
function createProgressLine(): { update(text: string): void; clear(): void } {
  const stream = process.stderr;
  let drawnAt = 0;
  let drawn = false;
  return {
    update(text) {
      if (!stream.isTTY || Date.now() - drawnAt < PROGRESS_INTERVAL_MS) return;
      drawnAt = Date.now();
      drawn = true;
      stream.write(`\r\x1b[Kbacking up: ${text}`);
    },
    clear() {
      if (drawn) stream.write('\r\x1b[K');
    },
  };
}

function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(1)} ${units[unit]}`;
}
