import { Command, CommanderError } from 'commander';
import { registerChainsCommand } from './commands/chains.ts';
import { registerConfigCommand } from './commands/config.ts';
import { registerDbCommand } from './commands/db.ts';
import { registerDevnetCommand } from './commands/devnet.ts';
import { registerKeysCommand } from './commands/keys.ts';
import { registerMigrateCommand } from './commands/migrate.ts';
import { registerServeCommand } from './commands/serve.ts';
import { registerStartCommand } from './commands/start.ts';
import { registerStoresCommand } from './commands/stores.ts';
import { registerSweepCommand } from './commands/sweep.ts';
import { registerWorkerCommand } from './commands/worker.ts';
import { ExitCode } from './exit-codes.ts';
import { reportError } from './output.ts';

const program = new Command('ctrip')
  .description('cTrip: a self-hosted payment gateway for EVM chains')
  .showHelpAfterError()
  .exitOverride();

registerStartCommand(program);
registerServeCommand(program);
registerWorkerCommand(program);
registerSweepCommand(program);
registerChainsCommand(program);
registerConfigCommand(program);
registerMigrateCommand(program);
registerDbCommand(program);
registerDevnetCommand(program);
registerStoresCommand(program);
registerKeysCommand(program);

// `ctrip history | head` closes the pipe early: the rest of the output has no reader, but the
// command still finishes its work (an upgrade is not cut short) and exits with its own code.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
});

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander has printed its message (or the help) already.
    process.exitCode = error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  } else {
    process.exitCode = reportError(error);
  }
}
