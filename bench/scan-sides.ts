import type { Kysely } from 'kysely';
import {
  type ChainClient,
  getBlocksWithTransactions,
  getTransferLogs,
} from '../src/chains/index.ts';
import { syncTokens } from '../src/chains/sync-tokens.ts';
import type { ChainConfig } from '../src/config/chains-file.ts';
import { createDatabase, type DatabaseHandle } from '../src/db/create-database.ts';
import type { Engine } from '../src/db/engine.ts';
import type { Database } from '../src/db/models/index.ts';
import { createChainScanner } from '../src/scanner/scan-chain.ts';
import { migrateToHead, setupDatabase, type TestDatabase } from '../test/database.ts';
import { scanToHead } from '../test/gateway.ts';
import { measure, type Timing } from './measure.ts';
import type { ScanChain } from './scan-load.ts';
import { insertOpenPayments, loadTokenIds, resetScan } from './scan-payments.ts';
import { createPhaseClock, type PhaseTally } from './scan-probes.ts';

/** Address indexes of the payments that receive nothing start here, above every receiver's. */
const FIRST_FILLER_INDEX = 1_000_000n;

/** A scanner with its own database holding a given number of open payments. */
export interface ScannerSide {
  /**
   * Resets the chain's scan state (untimed), then scans with a new scanner from the load's
   * first block until caught up (timed, phases recorded) and checks that every transfer of the load was
   * recorded once, in one step per range.
   */
  scanAll(): Promise<{ timing: Timing; phases: PhaseTally }>;
}

export interface OpenScanSidesParams {
  readonly engine: Engine;
  readonly chain: ScanChain;
  readonly config: ChainConfig;
  readonly client: ChainClient;
  readonly ranges: readonly (readonly [bigint, bigint])[];
  readonly openPayments: readonly number[];
}

export interface ScanSides {
  /** The listed tokens' contracts (lower-case), as the scanner asks eth_getLogs for them. */
  readonly tokens: readonly `0x${string}`[];
  readonly scanners: ReadonlyMap<number, ScannerSide>;
  /** Releases the leases, closes and drops every database. */
  close(): Promise<void>;
}

/** A migrated database per number of open payments, filled, each with its scanner. Untimed. */
export async function openScanSides(params: OpenScanSidesParams): Promise<ScanSides> {
  const opened: {
    database: TestDatabase;
    handle: DatabaseHandle;
    release?: () => Promise<void>;
  }[] = [];
  const close = async () => {
    for (const side of opened) {
      await side.release?.();
      await side.handle.close();
      await side.database.drop();
    }
  };
  try {
    const scanners = new Map<number, ScannerSide>();
    for (const openPayments of params.openPayments) {
      const clock = createPhaseClock();
      const database = await setupDatabase(params.engine);
      const handle = createDatabase(database.settings, { onQuery: (e) => clock.onQuery(e) });
      const side: (typeof opened)[number] = { database, handle };
      opened.push(side);
      const { db } = handle;
      await migrateToHead(handle);
      await syncTokens(db, [params.config]);
      const { receivers } = params.chain;
      if (openPayments < receivers.length) {
        throw new RangeError(`${openPayments} open payments: fewer than the load's receivers`);
      }
      await insertOpenPayments(db, {
        chain: params.config.name,
        tokenIds: await loadTokenIds(db, params.config.name),
        receivers,
        fillers: openPayments - receivers.length,
        firstFillerIndex: FIRST_FILLER_INDEX,
      });
      const watched = await countWatched(db, params.config.name);
      if (watched !== openPayments) throw new Error(`${watched} payments are watched`);

      const warnings: string[] = [];
      const note = (obj: object, msg?: string) => {
        warnings.push(`${msg ?? ''} ${JSON.stringify(obj)}`);
      };
      // A scanner of its own per scan: each starts as a server's does, with a full read of
      // the watch list in its first step (one that rewinds the chain would read it again
      // anyway), so every round does the same work.
      const createScanner = () =>
        createChainScanner({
          db,
          client: clock.wrap(params.client),
          chain: params.config,
          holder: 'bench-scanner',
          policy: { latePayments: 'accept' },
          logger: { info: () => {}, warn: note, error: note },
        });
      const expected = params.chain.watchedNative + params.chain.watchedToken;
      scanners.set(openPayments, {
        async scanAll() {
          await resetScan(db, params.config.name);
          const scanner = createScanner();
          side.release = () => scanner.release();
          clock.take();
          clock.recording = true;
          let steps = 0;
          let transfers = 0;
          const timing = await measure(async () => {
            for (const step of await scanToHead(scanner)) {
              if (step.kind !== 'scanned') throw new Error(`a scan step was ${step.kind}`);
              steps += 1;
              transfers += step.transfers;
            }
          });
          clock.recording = false;
          const phases = clock.take();
          if (warnings.length > 0)
            throw new Error(`the scanner complained: ${warnings.join('; ')}`);
          const rows = await countTransfers(db, params.config.name);
          if (transfers !== expected || rows !== expected || steps !== params.ranges.length) {
            throw new Error(
              `the scanner recorded ${transfers} transfers (${rows} rows) in ${steps} steps; ` +
                `the load sent ${expected} in ${params.ranges.length} ranges`,
            );
          }
          return { timing, phases };
        },
      });
    }
    const tokens = params.config.tokens.map((t) => t.address.toLowerCase() as `0x${string}`);
    return { tokens, scanners, close };
  } catch (error) {
    await close();
    throw error;
  }
}

async function countWatched(db: Kysely<Database>, chain: string): Promise<number> {
  const row = await db
    .selectFrom('payments')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('chain', '=', chain)
    .where('watch_until', '>', new Date())
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function countTransfers(db: Kysely<Database>, chain: string): Promise<number> {
  const row = await db
    .selectFrom('transactions')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('chain', '=', chain)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * The baseline: per range, the scanner's two reads (full blocks in one batch, Transfer logs
 * of the listed tokens in one eth_getLogs) at once, through the same call functions, and
 * nothing else: no receipts, no head, no matching, no database. Throws unless it read every
 * transaction and listed-token log the load put in the blocks.
 */
export async function readRanges(
  client: ChainClient,
  tokens: readonly `0x${string}`[],
  ranges: readonly (readonly [bigint, bigint])[],
  chain: ScanChain,
): Promise<void> {
  let transactions = 0;
  let logs = 0;
  for (const [from, to] of ranges) {
    const [blocks, transfers] = await Promise.all([
      getBlocksWithTransactions(client, from, to),
      getTransferLogs(client, { tokens, fromBlock: from, toBlock: to }),
    ]);
    for (const block of blocks) transactions += block.transactions.length;
    logs += transfers.length;
  }
  if (transactions !== chain.transactions || logs !== chain.listedTokenLogs) {
    throw new Error(`the raw calls read ${transactions} transactions and ${logs} logs`);
  }
}
