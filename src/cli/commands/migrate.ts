import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { Settings } from '../../config/index.ts';
import {
  createMigrationFile,
  createMigrator,
  MIGRATIONS_DIR,
  type MigrationStatus,
  type Migrator,
  NoMigrationsTableError,
  readMigrationFiles,
  renderOfflineSql,
  type StepResult,
} from '../../db/migrate/index.ts';
import { models } from '../../db/models/index.ts';
import { autogenerateMigration, checkSchema } from '../../db/schema/index.ts';
import { readSettings, withDatabase } from '../context.ts';
import { UsageError } from '../errors.ts';
import { ExitCode } from '../exit-codes.ts';
import { printJson, printLine, printTable, warn } from '../output.ts';

interface DirOption {
  dir?: string;
}

export function registerMigrateCommand(program: Command): void {
  const migrate = program
    .command('migrate')
    .description('apply, revert and inspect database migrations')
    .option('--dir <path>', 'the migrations folder', MIGRATIONS_DIR);
  const dirOf = (cmd: Command) =>
    resolve((cmd.optsWithGlobals() as DirOption).dir ?? MIGRATIONS_DIR);

  migrate
    .command('upgrade')
    .argument('[target]', 'head, +N or a revision', 'head')
    .description('apply pending migrations up to the target')
    .action(async (target: string, _: unknown, cmd: Command) => {
      await withMigrator(dirOf(cmd), async (migrator) => {
        warnAboutFiles(await migrator.status());
        const results = await migrator.upgrade(target);
        if (results.every((r) => r.status === 'skipped'))
          printLine('nothing to do: the database is at the target');
      });
    });

  migrate
    .command('downgrade')
    .argument('[target]', '-N, a revision, or base', '-1')
    .description('revert applied migrations down to the target')
    .action(async (target: string, _: unknown, cmd: Command) => {
      await withMigrator(dirOf(cmd), async (migrator) => {
        const results = await migrator.downgrade(target);
        if (results.length === 0) printLine('nothing to do: the database is at the target');
      });
    });

  migrate
    .command('current')
    .description('show the revision the database is at')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }, cmd: Command) => {
      await withMigrator(dirOf(cmd), async (migrator) => {
        const state = await migrator.status();
        if (!state.hasVersionTable) throw new NoMigrationsTableError();
        if (options.json) {
          printJson({
            current: state.current,
            head: state.head,
            atHead: state.pending.length === 0 && state.missing.length === 0,
            pending: state.pending.map((f) => f.revision),
            edited: state.edited.map((f) => f.revision),
            missing: state.missing,
          });
        } else {
          const file = state.files.find((f) => f.revision === state.current);
          printLine(
            state.current
              ? `${state.current} (${file?.message})${state.current === state.head && state.missing.length === 0 ? ' (head)' : ''}`
              : 'base (no migration applied)',
          );
          if (state.pending.length > 0)
            printLine(`${state.pending.length} pending: run \`ctrip migrate upgrade\``);
          warnAboutFiles(state);
        }
        if (state.missing.length > 0) {
          warn(`applied revisions with no file: ${state.missing.join(', ')}`);
          process.exitCode = ExitCode.failure;
        }
      });
    });

  migrate
    .command('history')
    .description('list every migration, base first, and whether it is applied')
    .option('--verbose', 'with file names and checksums')
    .option('--json', 'machine-readable output')
    .action(async (options: { verbose?: boolean; json?: boolean }, cmd: Command) => {
      await withMigrator(dirOf(cmd), async (migrator) => {
        const state = await migrator.status();
        // Revisions the database has applied but no file describes are listed too, last.
        const entries = [...state.files.map((f) => f.revision), ...state.missing].map((r) =>
          describeRevision(state, r),
        );
        if (options.json) return printJson(entries);
        printTable([
          [
            'REVISION',
            'PARENT',
            'STATE',
            'APPLIED AT',
            'MESSAGE',
            ...(options.verbose ? ['CHECKSUM', 'FILE'] : []),
          ],
          ...entries.map((e) => [
            e.revision + (e.isHead ? ' (head)' : '') + (e.isCurrent ? ' (current)' : ''),
            e.state === 'applied (file missing)' ? '(no file)' : (e.downRevision ?? 'base'),
            e.state,
            e.appliedAt ?? '',
            e.message,
            ...(options.verbose ? [e.checksum?.slice(0, 12) ?? '', e.fileName] : []),
          ]),
        ]);
        warnAboutFiles(state);
      });
    });

  migrate
    .command('show')
    .argument('<revision>', 'a revision, a unique prefix of one, or head')
    .description('show one migration')
    .option('--json', 'machine-readable output')
    .action(async (revision: string, options: { json?: boolean }, cmd: Command) => {
      await withMigrator(dirOf(cmd), async (migrator) => {
        const file = await migrator.resolve(revision);
        const entry = describeRevision(await migrator.status(), file.revision);
        if (options.json) return printJson(entry);
        printTable(Object.entries(entry).map(([k, v]) => [`${k}:`, String(v ?? '')]));
      });
    });

  migrate
    .command('stamp')
    .argument('<target>', 'a revision, head or base')
    .description('record the database as being at the target without running migrations')
    .action(async (target: string, _: unknown, cmd: Command) => {
      await withMigrator(dirOf(cmd), async (migrator) => {
        await migrator.stamp(target);
        printLine(`stamped ${target}`);
      });
    });

  migrate
    .command('create')
    .argument('<message>', 'what the migration does, e.g. "add payments reference"')
    .description('write a new migration file after the current head')
    .option('--autogenerate', 'write up and down from the differences between models and database')
    .option('--empty', 'with --autogenerate: write the file even when there is nothing to do')
    .action(
      async (
        message: string,
        options: { autogenerate?: boolean; empty?: boolean },
        cmd: Command,
      ) => {
        if (!options.autogenerate) {
          if (options.empty) throw new UsageError('--empty goes with --autogenerate');
          printLine(`created ${createMigrationFile({ dir: dirOf(cmd), message })}`);
          return;
        }
        const settings = readSettings();
        await withDatabase(settings, async ({ db }) => {
          const result = await autogenerateMigration({
            db,
            models,
            ignoreTables: settings.database.migrateIgnoreTables,
            migrationsDir: dirOf(cmd),
            message,
            empty: options.empty ?? false,
          });
          for (const line of result.operations) printLine(`  ${line}`);
          for (const line of result.warnings) warn(line);
          if (result.path) printLine(`created ${result.path}`);
          if (result.operations.length === 0) {
            printLine(
              result.path
                ? 'the database matches the models: the file is empty'
                : 'nothing to do: the database matches the models (no file written; --empty writes one)',
            );
          } else {
            printLine('review it, then run `ctrip migrate upgrade` and `ctrip migrate check`');
          }
        });
      },
    );

  migrate
    .command('check')
    .description('exit 1 unless the database is at head and matches the models')
    .option('--json', 'machine-readable output')
    .action(async (options: { json?: boolean }, cmd: Command) => {
      const settings = readSettings();
      await withDatabase(settings, async ({ db }) => {
        const result = await checkSchema({
          db,
          models,
          ignoreTables: settings.database.migrateIgnoreTables,
          migrationsDir: dirOf(cmd),
        });
        if (!result.ok) process.exitCode = ExitCode.failure;
        if (options.json) {
          const { ok, pending, missing, differences } = result;
          return printJson({ ok, pending, missing, differences });
        }
        if (result.ok) return printLine('ok: the database is at head and matches the models');
        for (const file of result.pending) printLine(`pending migration: ${file}`);
        for (const revision of result.missing)
          printLine(`applied revision with no file: ${revision}`);
        for (const line of result.differences) printLine(`difference: ${line}`);
        if (result.differences.length > 0) {
          printLine(
            result.pending.length > 0
              ? 'run `ctrip migrate upgrade`, then check again; differences that remain need a migration (`ctrip migrate create "…" --autogenerate`)'
              : 'the models and the database differ: `ctrip migrate create "…" --autogenerate` writes the migration',
          );
        } else if (result.pending.length > 0) {
          printLine('run `ctrip migrate upgrade`');
        }
      });
    });

  migrate
    .command('sql')
    .description('print the SQL the migrations would run, without a database')
    .option('--dialect <engine>', 'postgres or sqlite (default: the configured database)')
    .option('--from <revision>', 'where the database is', 'base')
    .option('--to <revision>', 'where to take it (below --from: a downgrade)', 'head')
    .action(async (options: { dialect?: string; from: string; to: string }, cmd: Command) => {
      const engine = options.dialect ?? readSettings().database.target.engine;
      if (engine !== 'postgres' && engine !== 'sqlite') {
        throw new UsageError(`--dialect must be postgres or sqlite, not '${engine}'`);
      }
      const files = readMigrationFiles(dirOf(cmd));
      process.stdout.write(
        await renderOfflineSql({ engine, files, from: options.from, to: options.to }),
      );
    });
}

async function withMigrator(dir: string, fn: (migrator: Migrator) => Promise<void>): Promise<void> {
  const settings: Settings = readSettings();
  await withDatabase(settings, async ({ db }) => {
    const migrator = createMigrator({
      db,
      migrationsDir: dir,
      lockTimeoutMs: settings.database.migrationLockTimeoutMs,
      onWait: () => printLine('another migration run holds the lock; waiting for it to finish…'),
      onStep: printStep,
    });
    await fn(migrator);
  });
}

function printStep(result: StepResult): void {
  const verb = result.direction === 'upgrade' ? 'applied' : 'reverted';
  printLine(
    result.status === 'skipped'
      ? `skipped  ${result.fileName} (another run did it)`
      : `${verb}  ${result.fileName} (${result.durationMs} ms)`,
  );
}

function warnAboutFiles(state: MigrationStatus): void {
  for (const file of state.edited) {
    warn(
      `${file.fileName} was edited after it was applied (checksum differs); the database does not have the edit`,
    );
  }
}

function describeRevision(state: MigrationStatus, revision: string) {
  const file = state.files.find((f) => f.revision === revision);
  const applied = state.applied.get(revision);
  return {
    revision,
    downRevision: file?.downRevision ?? null,
    message: file?.message ?? applied?.message ?? '',
    fileName: file?.fileName ?? applied?.fileName ?? '',
    state: !applied
      ? 'pending'
      : !file
        ? 'applied (file missing)'
        : applied.checksum !== file.checksum
          ? 'applied (edited since)'
          : 'applied',
    appliedAt: applied?.appliedAt.toISOString() ?? null,
    checksum: file?.checksum ?? null,
    isHead: revision === state.head,
    isCurrent: revision === state.current,
  };
}
