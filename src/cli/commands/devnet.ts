import type { Command } from 'commander';
import { AmountError, formatTokenAmount } from '../../amounts.ts';
import { findRunningDevnet, payDevnetPayment } from '../../devnet/index.ts';
import { readSettings, withDatabase } from '../context.ts';
import { devnetDataDir } from '../devnet-chains.ts';
import { UsageError } from '../errors.ts';
import { printJson, printLine } from '../output.ts';

export function registerDevnetCommand(program: Command): void {
  const devnet = program
    .command('devnet')
    .description('the local development chain that `ctrip start` runs with no chains configured');

  devnet
    .command('pay')
    .argument('<payment-id>', 'the payment to pay')
    .option('--amount <amount>', 'in token units (e.g. 1.5); by default what is still owed')
    .option('--json', 'print JSON')
    .description(
      'pay a devnet payment from a funded account (ETH or an ERC-20 transfer to its deposit address), then mine the blocks that confirm it; prints the transaction hash',
    )
    .action(async (paymentId: string, options: { amount?: string; json?: boolean }) => {
      const settings = readSettings();
      const result = await withDatabase(settings, async (handle) => {
        const running = await findRunningDevnet(devnetDataDir(settings));
        try {
          return await payDevnetPayment(handle.db, {
            paymentId,
            amount: options.amount,
            devnet: running,
          });
        } catch (error) {
          if (error instanceof AmountError) throw new UsageError(`--amount ${error.message}`);
          throw error;
        }
      });
      const amount = formatTokenAmount(result.amount, result.decimals);
      if (options.json) {
        printJson({
          tx_hash: result.txHash,
          amount,
          token: result.symbol,
          to: result.to,
        });
        return;
      }
      printLine(result.txHash);
      process.stderr.write(`paid ${amount} ${result.symbol} to ${result.to}\n`);
    });
}
