import type { Command } from 'commander';
import { ConfigError } from '../../config/errors.ts';
import type { Settings } from '../../config/index.ts';
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

export function registerSweepCommand(program: Command): void {
  program
    .command('sweep')
    .description(
      'run only the sweeper (moves confirmed payments to TREASURY_ADDRESS); needs MNEMONIC and PRIVATE_KEY',
    )
    .action(async () => {
      const settings = readSettings();
      requireSweepKeys(settings);
      const logger = createLogger(settings.logLevel);
      const database = await openDatabase(settings);
      const stopped = waitForStopSignal();
      let result: StopResult | undefined;
      let abandoned = false;
      try {
        await requireSchemaAtHead(settings, database, logger);
        const worker = await startUnlessStopped(
          startConfiguredWorker({ settings, database, logger, jobs: 'sweep' }),
          stopped,
          logger,
        );
        if (worker) {
          process.stdout.write('cTrip sweeper is running. Press Ctrl+C to stop.\n');
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

/**
 * The sweeper signs with the deposit addresses' keys and pays gas from the hot wallet: without
 * an explicit MNEMONIC (the development one is never assumed here) and PRIVATE_KEY there is
 * nothing it could do, so it refuses to start rather than idle.
 */
function requireSweepKeys(settings: Settings): void {
  const keys = settings.depositKeys;
  if (keys.kind === 'xpub' || keys.development) {
    throw new ConfigError([
      {
        variable: 'MNEMONIC',
        message: `is required by ctrip sweep (the deposit addresses' keys sign the sweeps)${
          keys.kind === 'xpub' ? '; XPUB alone holds no private key' : ''
        }`,
      },
    ]);
  }
  if (!settings.privateKey) {
    throw new ConfigError([
      {
        variable: 'PRIVATE_KEY',
        message: 'is required by ctrip sweep (the hot wallet that pays the gas of token sweeps)',
      },
    ]);
  }
  if (!settings.sweeper.enabled) {
    throw new ConfigError([
      { variable: 'SWEEP_ENABLED', message: 'is false: ctrip sweep has nothing to do' },
    ]);
  }
}
