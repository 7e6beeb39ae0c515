import type { Command } from 'commander';
import { readSettings } from '../context.ts';
import { runWorkerProcess } from '../run-worker.ts';

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description(
      'run the background jobs (scanning, expiry, webhook deliveries, sweeps) until interrupted',
    )
    .action(async () => {
      await runWorkerProcess(readSettings(), {
        jobs: 'all',
        banner: 'cTrip worker is running. Press Ctrl+C to stop.',
      });
    });
}
