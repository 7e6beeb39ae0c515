import type { Command } from 'commander';
import { ConfigError } from '../../config/errors.ts';
import type { Settings } from '../../config/index.ts';
import { readSettings } from '../context.ts';
import { runWorkerProcess } from '../run-worker.ts';

export function registerSweepCommand(program: Command): void {
  program
    .command('sweep')
    .description(
      'run only the sweeper (moves confirmed payments to TREASURY_ADDRESS); needs MNEMONIC and PRIVATE_KEY',
    )
    .action(async () => {
      const settings = readSettings();
      requireSweepKeys(settings);
      await runWorkerProcess(settings, {
        jobs: 'sweep',
        banner: 'cTrip sweeper is running. Press Ctrl+C to stop.',
      });
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
