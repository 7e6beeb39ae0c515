import type { Engine } from '../src/db/engine.ts';
import { type PaymentFixtures, toBatches } from './fixtures.ts';
import { measure, type Timing } from './measure.ts';
import type { Operation } from './report.ts';
import { checksumOf, type LookupParams, type Workload } from './workload.ts';

export type Side = 'project' | 'raw';
export const SIDES: readonly Side[] = ['project', 'raw'];

export interface RunRoundsParams {
  readonly engine: Engine;
  readonly sides: Readonly<Record<Side, Workload>>;
  readonly fixtures: PaymentFixtures;
  readonly batchSize: number;
  /** Rounds run first and thrown away. */
  readonly warmUpRounds: number;
  readonly rounds: number;
  /**
   * How often warm-up rounds repeat the point lookups: V8 optimizes the query builder only
   * after thousands of calls, and a server that looks payments up all day runs it optimized.
   */
  readonly lookupWarmUpPasses: number;
  /**
   * The first measured rounds also time lookups by address alone: table scans, seconds each,
   * so fewer of them (no warm-up: the code paths are warm from the point lookups).
   */
  readonly scanRounds: number;
  /** How many of the lookup addresses the scans read back (the first ones). */
  readonly scanLookups: number;
  /** Told of every round's figures, warm-up included. */
  readonly onRound: (round: RoundReport) => void;
}

export interface RoundReport {
  readonly engine: Engine;
  /** 1-based among measured rounds; 0 for the warm-up. */
  readonly round: number;
  readonly first: Side;
  readonly wallMs: Partial<Record<Operation, Record<Side, number>>>;
}

export type Samples = Record<Side, Record<Operation, Timing[]>>;

/**
 * Each round empties both tables and inserts every payment on each side, then looks the
 * chosen addresses up on each side: by (chain, address), then, in the first `scanRounds`
 * measured rounds, by address alone. The side that goes first alternates, so neither always
 * runs on the warmer cache. Throws if a side reads back other values than were inserted.
 */
export async function runRounds(params: RunRoundsParams): Promise<Samples> {
  const { sides, fixtures, warmUpRounds } = params;
  const batches = toBatches(fixtures.payments, params.batchSize);
  const scanAddresses = fixtures.lookups.slice(0, params.scanLookups);
  const expected = {
    lookup: expectedChecksum(fixtures, fixtures.lookups),
    prepared: expectedChecksum(fixtures, fixtures.lookups),
    scan: expectedChecksum(fixtures, scanAddresses),
  };
  const samples: Samples = {
    project: { insert: [], lookup: [], prepared: [], scan: [] },
    raw: { insert: [], lookup: [], prepared: [], scan: [] },
  };
  for (let index = 0; index < warmUpRounds + params.rounds; index++) {
    const order: readonly Side[] = index % 2 === 0 ? ['project', 'raw'] : ['raw', 'project'];
    const warmUp = index < warmUpRounds;
    const wallMs: RoundReport['wallMs'] = {};
    const time = async (operation: Operation, side: Side, fn: () => Promise<unknown>) => {
      const timing = await measure(fn);
      wallMs[operation] = {
        ...(wallMs[operation] ?? { project: 0, raw: 0 }),
        [side]: timing.wallMs,
      };
      if (!warmUp) samples[side][operation].push(timing);
    };
    const lookup = async (
      operation: 'lookup' | 'prepared' | 'scan',
      side: Side,
      lookupParams: LookupParams,
    ) => {
      let checksum = 0n;
      await time(operation, side, async () => {
        checksum = await sides[side].lookup(lookupParams);
      });
      if (checksum !== expected[operation]) {
        throw new Error(`${params.engine} ${side} ${operation}: read other values than inserted`);
      }
    };

    for (const side of order) {
      await sides[side].reset();
      await time('insert', side, () => sides[side].insert(batches));
    }
    for (const side of order) {
      for (let pass = warmUp ? params.lookupWarmUpPasses : 1; pass > 0; pass--) {
        await lookup('lookup', side, { addresses: fixtures.lookups, chain: fixtures.chain });
        await lookup('prepared', side, {
          addresses: fixtures.lookups,
          chain: fixtures.chain,
          prepared: true,
        });
      }
    }
    if (!warmUp && index < warmUpRounds + params.scanRounds) {
      for (const side of order) {
        await lookup('scan', side, { addresses: scanAddresses, chain: null });
      }
    }
    params.onRound({
      engine: params.engine,
      round: warmUp ? 0 : index - warmUpRounds + 1,
      first: order[0] ?? 'project',
      wallMs,
    });
  }
  return samples;
}

function expectedChecksum(fixtures: PaymentFixtures, addresses: readonly string[]): bigint {
  const byAddress = new Map(fixtures.payments.map((p) => [p.address, p]));
  let checksum = 0n;
  for (const address of addresses) {
    const payment = byAddress.get(address);
    if (payment) checksum += checksumOf(payment.amount, payment.expires_at);
  }
  return checksum;
}
