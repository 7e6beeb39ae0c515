import { join } from 'node:path';
import type { Command } from 'commander';
import { describeDatabaseTarget, type Settings } from '../../config/index.ts';
import type { DatabaseHandle } from '../../db/create-database.ts';
import {
  createMigrator,
  MIGRATIONS_DIR,
  MigrationFileMissingError,
  MigrationsPendingError,
} from '../../db/migrate/index.ts';
import type { StopResult } from '../../jobs/job-runner.ts';
import { createLogger, type Logger } from '../../logger.ts';
import { openDatabase, readSettings } from '../context.ts';
import { describeFirstSteps, ensureDevelopmentKey } from '../development-key.ts';
import { devnetDataDir, type ResolvedChains, resolveChains } from '../devnet-chains.ts';
import { type RunningApi, startApiServer } from '../run-api.ts';
import {
  exitAfterAbandonedStart,
  exitIfJobsWereHandedBack,
  startConfiguredWorker,
  startUnlessStopped,
} from '../run-worker.ts';
import { waitForStopSignal } from '../stop-signal.ts';

export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('run the gateway (API and workers) in one process')
    .action(async () => {
      const settings = readSettings();
      const logger = createLogger(settings.logLevel);
      const database = await openDatabase(settings);
      let chains: ResolvedChains;
      try {
        await bringSchemaToHead(settings, database, logger);
        chains = await resolveChains(settings, logger, database.db);
      } catch (error) {
        await database.close();
        throw error;
      }
      const stopped = waitForStopSignal();
      let worker: Awaited<ReturnType<typeof startConfiguredWorker>> | undefined;
      let api: RunningApi | undefined;
      let result: StopResult | undefined;
      let abandoned = false;
      try {
        worker = await startUnlessStopped(
          startConfiguredWorker({
            settings,
            database,
            logger,
            chains: chains.chains,
            devnet: chains.devnet !== null,
          }),
          stopped,
          logger,
        );
        if (!worker) {
          abandoned = true;
        } else {
          api = await startApiServer({
            settings,
            database,
            logger,
            chains: chains.chains,
            chainClients: worker.chainClients,
          });
          logger.info(
            {
              env: settings.env,
              database: describeDatabaseTarget(settings.database.target),
              api: api.url,
            },
            'cTrip started',
          );
          process.stdout.write(
            `cTrip is running (${settings.env}); database: ${database.where}; API: ${api.url}. Press Ctrl+C to stop.\n`,
          );
          const dataDir = devnetDataDir(settings);
          const key = await ensureDevelopmentKey(database.db, settings, dataDir);
          if (key) {
            const firstChain = chains.chains[0];
            process.stdout.write(
              describeFirstSteps({
                apiUrl: settings.http.publicUrl,
                key: key.key,
                created: key.created,
                keyFile: join(dataDir, 'development-api-key'),
                chain: firstChain?.name,
                token: firstChain?.tokens[0]?.symbol ?? firstChain?.native.symbol,
              }),
            );
          }
          logger.info({ signal: await stopped }, 'stopping');
        }
      } finally {
        // Stop taking requests first, then finish the jobs in hand, then the chain under them.
        await api?.close();
        result = await worker?.stop();
        await chains.stop();
        await database.close();
      }
      logger.flush();
      if (abandoned) exitAfterAbandonedStart();
      exitIfJobsWereHandedBack(result);
    });
}

/**
 * Development and testing apply pending migrations; production never changes its schema
 * behind the operator's back and refuses to start until `ctrip migrate upgrade` has run.
 */
async function bringSchemaToHead(settings: Settings, database: DatabaseHandle, logger: Logger) {
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
  const status = await migrator.status();
  if (status.missing.length > 0) throw new MigrationFileMissingError(status.missing);
  for (const file of status.edited) {
    logger.warn({ revision: file.revision }, `${file.fileName} was edited after it was applied`);
  }
  if (status.pending.length === 0) return;
  if (settings.env === 'production') {
    throw new MigrationsPendingError(status.pending.map((f) => f.revision));
  }
  await migrator.upgrade('head');
}
