import type { Command } from 'commander';
import { createLogger } from '../../logger.ts';
import { openDatabase, readSettings } from '../context.ts';
import { startApiServer } from '../run-api.ts';
import { requireSchemaAtHead } from '../schema-at-head.ts';
import { waitForStopSignal } from '../stop-signal.ts';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description(
      'run the HTTP API only (stateless: run as many as you like behind a load balancer)',
    )
    .action(async () => {
      const settings = readSettings();
      const logger = createLogger(settings.logLevel);
      const database = await openDatabase(settings);
      const stopped = waitForStopSignal();
      try {
        await requireSchemaAtHead(settings, database, logger);
        const api = await startApiServer({ settings, database, logger, chains: settings.chains });
        process.stdout.write(`cTrip API listening on ${api.url} (docs: ${api.url}/docs)\n`);
        logger.info({ signal: await stopped }, 'stopping');
        await api.close();
      } finally {
        await database.close();
        logger.flush();
      }
    });
}
