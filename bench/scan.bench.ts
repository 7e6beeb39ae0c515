/**
 * `npm run bench:scan`: the chain scanner against the bare RPC calls it makes, on a loaded
 * Anvil chain, with 1,000 and 100,000 open payments. See README.md.
 */
import { availableParallelism, loadavg } from 'node:os';
import type { Engine } from '../src/db/engine.ts';
import { measureAddressDerivation } from './derive-addresses.ts';
import { peakRssMiB } from './measure.ts';
import { type BlockMix, loadScanChain } from './scan-load.ts';
import {
  formatPhases,
  formatScaling,
  formatThroughput,
  formatVerdicts,
  scalingOf,
  scannerMeetsTarget,
} from './scan-report.ts';
import { type RoundReport, runScanRounds, type ScanResult } from './scan-rounds.ts';

const BLOCKS = 300;
const MIX: BlockMix = {
  watchedToken: 5,
  watchedNative: 2,
  unwatchedNative: 1,
  unwatchedToken: 1,
  unlistedToken: 1,
};
/** Deposit addresses the load pays into; the other open payments receive nothing. */
const RECEIVERS = 600;
/** The scanner's max_block_range, and the baseline's range. */
const RANGE = 50;
const OPEN_PAYMENTS = [1_000, 100_000] as const;
const WARM_UP_ROUNDS = 1;
const ROUNDS = 3;
const DERIVATIONS = 2_000;
const ENGINE_CHOICES: Readonly<Record<string, readonly Engine[]>> = {
  sqlite: ['sqlite'],
  postgres: ['postgres'],
  both: ['sqlite', 'postgres'],
};

/**
 * `--engine=sqlite|postgres|both`. SQLite alone by default: with PostgreSQL too the run took
 * 3 to 8 minutes on a busy 2-CPU machine (its scans make ~5,700 round trips each).
 */
function enginesToRun(args: readonly string[]): readonly Engine[] {
  let engines: readonly Engine[] = ['sqlite'];
  for (const arg of args) {
    const choice = arg.startsWith('--engine=') ? ENGINE_CHOICES[arg.slice(9)] : undefined;
    if (!choice) throw new Error(`unknown argument ${arg}; expected --engine=sqlite|postgres|both`);
    engines = choice;
  }
  return engines;
}

function printRound(report: RoundReport): void {
  const name = report.round === 0 ? 'warm-up' : `round ${report.round}/${ROUNDS}`;
  const sides = report.sides.map(({ side, wallMs }) => {
    const label = side === 'raw' ? 'raw' : `scan@${side.toLocaleString('en-US')}`;
    return `${label} ${wallMs.toFixed(0)}`;
  });
  console.log(`  ${report.engine.padEnd(8)} ${name.padEnd(9)}  ms: ${sides.join(', ')}`);
}

/** The 1-minute load average: other work on the machine stretches both sides' times. */
function loadAverage(): string {
  return (loadavg()[0] ?? 0).toFixed(1);
}

async function main(): Promise<void> {
  const started = performance.now();
  const loadBefore = loadAverage();
  const engines = enginesToRun(process.argv.slice(2));
  const chain = await loadScanChain({ blocks: BLOCKS, mix: MIX, receivers: RECEIVERS });
  const results: ScanResult[] = [];
  try {
    const noise = MIX.unwatchedNative + MIX.unwatchedToken + MIX.unlistedToken;
    console.log(
      `cTrip chain scanner vs the raw RPC calls it makes, node ${process.version}, Anvil\n` +
        `${BLOCKS} blocks (${chain.firstBlock}..${chain.lastBlock}), ` +
        `${chain.transactions.toLocaleString('en-US')} transactions: ` +
        `${(chain.watchedNative + chain.watchedToken).toLocaleString('en-US')} transfers into ` +
        `${RECEIVERS} watched addresses (${chain.watchedNative.toLocaleString('en-US')} native, ` +
        `${chain.watchedToken.toLocaleString('en-US')} USDC/DAI/USDT) and ` +
        `${(noise * BLOCKS).toLocaleString('en-US')} of noise (to unwatched addresses, an ` +
        `unlisted token); ranges of ${RANGE} blocks; medians of ${ROUNDS} rounds after ` +
        `${WARM_UP_ROUNDS} warm-up\n`,
    );
    for (const engine of engines) {
      results.push(
        ...(await runScanRounds({
          engine,
          chain,
          range: RANGE,
          openPayments: OPEN_PAYMENTS,
          warmUpRounds: WARM_UP_ROUNDS,
          rounds: ROUNDS,
          onRound: printRound,
        })),
      );
    }
  } finally {
    await chain.stop();
  }
  const derivation = measureAddressDerivation(DERIVATIONS);
  const scalings = scalingOf(results);

  console.log(`\nscanner vs raw RPC, wall time (median)\n${formatVerdicts(results)}\n`);
  console.log(`throughput (median)\n${formatThroughput(results)}\n`);
  console.log(`per-block cost as open payments grow\n${formatScaling(scalings)}\n`);
  console.log(`where the scanner's time goes\n${formatPhases(results)}\n`);
  console.log(
    `addresses derived per second: ${derivation.perSecond.toLocaleString('en-US')} ` +
      `(${derivation.count.toLocaleString('en-US')} addresses)`,
  );
  const misses =
    results.filter((r) => !scannerMeetsTarget(r)).length + scalings.filter((s) => !s.meets).length;
  const verdicts = results.length + scalings.length;
  console.log(
    misses === 0
      ? 'every ratio meets its target'
      : `${misses} of ${verdicts} ratios miss their target (reported only: the exit code stays 0)`,
  );
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `peak RSS ${peakRssMiB().toFixed(0)} MiB, total ${seconds.toFixed(1)} s; load average ` +
      `${loadBefore} at the start, ${loadAverage()} at the end (${availableParallelism()} CPUs)`,
  );
}

await main();
