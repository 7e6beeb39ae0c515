import type { Command } from 'commander';
import { listChainStatuses } from '../../scanner/chain-status.ts';
import { rescanChain } from '../../scanner/rescan-chain.ts';
import { readSettings, withDatabase } from '../context.ts';
import { UsageError } from '../errors.ts';
import { printJson, printLine, printTable } from '../output.ts';

export function registerChainsCommand(program: Command): void {
  const chains = program.command('chains').description('see and steer the chain scanners');

  chains
    .command('status')
    .description('each chain: cursor, head, lag, lease holder, and whether scanning is stopped')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const settings = readSettings();
      const statuses = await withDatabase(settings, (handle) => listChainStatuses(handle.db));
      if (options.json) {
        printJson(
          statuses.map((s) => ({
            chain: s.chain,
            cursor: s.cursor?.toString() ?? null,
            head: s.head?.toString() ?? null,
            lag: s.lag?.toString() ?? null,
            head_seen_at: s.headSeenAt?.toISOString() ?? null,
            halted_reason: s.haltedReason,
            lease: s.lease
              ? { holder: s.lease.holder, expires_at: s.lease.expiresAt.toISOString() }
              : null,
          })),
        );
        return;
      }
      if (statuses.length === 0) {
        printLine('no chain has been scanned yet');
        return;
      }
      printTable([
        ['chain', 'cursor', 'head', 'lag', 'scanner', 'state'],
        ...statuses.map((s) => [
          s.chain,
          s.cursor?.toString() ?? '-',
          s.head?.toString() ?? '-',
          s.lag?.toString() ?? '-',
          s.lease?.holder ?? '-',
          s.haltedReason ? `STOPPED: ${s.haltedReason}` : 'scanning',
        ]),
      ]);
    });

  chains
    .command('rescan')
    .argument('<chain>', 'the chain name from the chains file')
    .requiredOption('--from-block <n>', 'the first block to scan again')
    .description(
      'scan a chain again from a block: its transfers from there on are set aside and found again; clears a stopped scanner (after a reorg deeper than the window)',
    )
    .action(async (chain: string, options: { fromBlock: string }) => {
      if (!/^\d+$/.test(options.fromBlock)) {
        throw new UsageError(
          `--from-block must be a block number (got ${JSON.stringify(options.fromBlock)})`,
        );
      }
      const settings = readSettings();
      const known = settings.chains.map((c) => c.name);
      if (known.length > 0 && !known.includes(chain)) {
        throw new UsageError(
          `chain "${chain}" is not in the chains file; known: ${known.join(', ')}`,
        );
      }
      const result = await withDatabase(settings, (handle) =>
        rescanChain(handle.db, {
          chain,
          fromBlock: BigInt(options.fromBlock),
          policy: { latePayments: settings.payments.latePayments },
        }),
      );
      printLine(
        `${chain} will be scanned again from block ${options.fromBlock}` +
          `${result.wasHalted ? ' (its stop is cleared)' : ''}; ${result.paymentsAffected} payment(s) wait for their transfers to be found again`,
      );
    });
}
