import type { Command } from 'commander';
import type { StopResult } from '../../jobs/job-runner.ts';
import { createLogger } from '../../logger.ts';
import { openDatabase, readSettings } from '../context.ts';
import {
  exitAfterAbandonedStart,
  exitIfJobsWereHandedBack,
  startConfiguredWorker,
  startUnlessStopped,
} from '../run-worker.ts';
import { requireSchemaAtHead } from '../schema-at-head.ts';
import { waitForStopSignal } from '../stop-signal.ts';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description(
      'run the background jobs (scanning, expiry, webhook deliveries, sweeps) until interrupted',
    )
    .action(async () => {
      const settings = readSettings();
      const logger = createLogger(settings.logLevel);
      const database = await openDatabase(settings);
      const stopped = waitForStopSignal();
      let result: StopResult | undefined;
      let abandoned = false;
      try {
        await requireSchemaAtHead(settings, database, logger);
        const worker = await startUnlessStopped(
          startConfiguredWorker({ settings, database, logger }),
          stopped,
          logger,
        );
        if (worker) {
          process.stdout.write('cTrip worker is running. Press Ctrl+C to stop.\n');
          logger.info({ signal: await stopped }, 'stopping');
          result = await worker.stop();
        } else {
          abandoned = true;
        }
      } finally {
        await database.close();
        logger.flush();
      }
      if (abandoned) exitAfterAbandonedStart();
      exitIfJobsWereHandedBack(result);
    });
}
