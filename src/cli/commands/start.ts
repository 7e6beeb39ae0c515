import type { Command } from 'commander';
import { describeDatabaseTarget } from '../../config/index.ts';
import { createMigrator, MIGRATIONS_DIR, MigrationError } from '../../db/migrate/index.ts';
import { createLogger } from '../../logger.ts';
import { openDatabase, readSettings } from '../context.ts';

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('run the gateway (API and workers) in one process')
    .action(async () => {
      const settings = readSettings();
      const logger = createLogger(settings.logLevel);
      const database = await openDatabase(settings);
      const migrator = createMigrator({
        db: database.db,
        migrationsDir: MIGRATIONS_DIR,
        lockTimeoutMs: settings.database.migrationLockTimeoutMs,
        onWait: () => logger.info('waiting for another migration run to finish'),
        onStep: (step) =>
          logger.info(
            { revision: step.revision, ms: step.durationMs },
            `migration ${step.status}: ${step.fileName}`,
          ),
      });
      try {
        const status = await migrator.status();
        if (status.pending.length > 0) {
          // Production never changes its schema behind the operator's back.
          if (settings.env === 'production') {
            throw new MigrationError(
              'MIGRATIONS_PENDING',
              `${status.pending.length} migration(s) pending (${status.pending.map((f) => f.revision).join(', ')}); run \`ctrip migrate upgrade\` before starting`,
            );
          }
          await migrator.upgrade('head');
        }
      } catch (error) {
        await database.close();
        throw error;
      }
      // Listen before saying we run: a Ctrl+C right after the message must stop us cleanly.
      const stopped = new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      logger.info(
        { env: settings.env, database: describeDatabaseTarget(settings.database.target) },
        'cTrip started',
      );
      process.stdout.write(
        `cTrip is running (${settings.env}); database: ${database.where}. Press Ctrl+C to stop.\n`,
      );
      logger.info({ signal: await stopped }, 'stopping');
      await database.close();
      logger.flush();
    });
}
