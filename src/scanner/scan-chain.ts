import type { Kysely } from 'kysely';
import {
  type ChainClient,
  getBlockHeaders,
  getHeadBlockNumber,
  getTaggedBlockNumber,
  isRangeTooLargeError,
} from '../chains/index.ts';
import type { ChainConfig } from '../config/chains-file.ts';
import { acquireLease, releaseLease, renewLease } from '../db/leases.ts';
import type { Database } from '../db/models/index.ts';
import { withTransaction } from '../db/transaction.ts';
import type { Logger } from '../logger.ts';
import { type ReconcilePolicy, reconcilePayments } from '../payments/reconcile-payments.ts';
import {
  recordTransfers,
  recountConfirmations,
  removeTransfersAbove,
} from '../payments/transfer-store.ts';
import { createBlockRange } from './block-range.ts';
import {
  advanceChainProgress,
  haltChain,
  loadChainProgress,
  loadHeaderRing,
  recordChainHead,
  rewindChainProgress,
} from './chain-progress.ts';
import { ReorgTooDeepError, ScannerHaltedError, ScannerLeaseLostError } from './errors.ts';
import { fetchTransfers } from './fetch-transfers.ts';
import { createWatchList } from './watch-list.ts';

export interface ChainScannerDeps {
  readonly db: Kysely<Database>;
  readonly client: ChainClient;
  readonly chain: ChainConfig;
  /** This process's name in leases: unique per process. */
  readonly holder: string;
  readonly policy: ReconcilePolicy;
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** How long the scan lease lasts without renewal; a crashed holder's claim lapses after it. */
  readonly leaseTtlMs?: number;
  readonly now?: () => Date;
}

export type ScanStep =
  | { readonly kind: 'busy' }
  | { readonly kind: 'idle'; readonly head: bigint }
  | {
      readonly kind: 'scanned';
      readonly from: bigint;
      readonly to: bigint;
      readonly head: bigint;
      readonly transfers: number;
      readonly caughtUp: boolean;
    }
  | { readonly kind: 'reorg'; readonly ancestor: bigint; readonly removedFrom: number };

export interface ChainScanner {
  readonly chain: string;
  /**
   * One step: claim the chain's lease, read the next range (or detect a reorg), and write
   * the transfers, the cursor, the confirmations and the payments' new states in one
   * transaction. Progress and the data it guards are committed together, so a crash at any
   * point leaves either all of a step or none of it.
   */
  scanOnce(): Promise<ScanStep>;
  /** Gives up the lease (on shutdown). */
  release(): Promise<void>;
}

const DEFAULT_LEASE_TTL_MS = 30_000;
const HEADS_REFRESH_MS = 30_000;

/** The scanner of one chain; see `scanOnce`. */
export function createChainScanner(deps: ChainScannerDeps): ChainScanner {
  const { db, client, chain: config, logger } = deps;
  const chain = config.name;
  const lease = {
    name: `scan:${chain}`,
    holder: deps.holder,
    ttlMs: deps.leaseTtlMs ?? Math.max(DEFAULT_LEASE_TTL_MS, config.pollIntervalMs * 3),
  };
  const now = deps.now ?? (() => new Date());
  const watchList = createWatchList(db, chain);
  const range = createBlockRange(config.maxBlockRange);

  async function loadTokens() {
    const rows = await db
      .selectFrom('tokens')
      .select(['id', 'address'])
      .where('chain', '=', chain)
      .where('enabled', '=', true)
      .execute();
    const tokenIds = new Map<string, string>();
    let nativeTokenId: string | undefined;
    for (const row of rows) {
      if (row.address === null) nativeTokenId = row.id;
      else tokenIds.set(row.address, row.id);
    }
    if (!nativeTokenId) throw new Error(`chain ${chain} has no native coin row; sync tokens first`);
    return { tokenIds, nativeTokenId };
  }

  let headsRefreshedAt = 0;
  let tagWarned = false;
  /**
   * The chain head. Now and then every endpoint is asked, so one that lags behind the others
   * is found and passed over (see ChainClient.refreshHeads); in between, only the one in use.
   */
  async function readHead(): Promise<bigint> {
    if (Date.now() - headsRefreshedAt < HEADS_REFRESH_MS) return getHeadBlockNumber(client);
    headsRefreshedAt = Date.now();
    return client.refreshHeads();
  }

  async function confirmedThrough(head: bigint): Promise<bigint> {
    const rule = config.confirmations;
    if (rule.kind === 'depth') return head - BigInt(rule.blocks) + 1n;
    const tagged = await getTaggedBlockNumber(client, rule.tag);
    if (tagged === null) {
      if (!tagWarned) {
        tagWarned = true;
        logger.warn(
          { chain, tag: rule.tag },
          'chain does not report the block tag; nothing confirms',
        );
      }
      return -1n;
    }
    return tagged;
  }

  async function handleReorg(cursor: bigint): Promise<ScanStep> {
    const ring = await loadHeaderRing(db, chain);
    const canonical = await getBlockHeaders(
      client,
      ring.map((h) => h.number),
    );
    const ancestor = ring.find((h, i) => canonical[i]?.hash === h.hash);
    if (!ancestor) {
      const error = new ReorgTooDeepError(chain, {
        cursor,
        oldestHeader: ring[ring.length - 1]?.number ?? null,
      });
      await haltChain(db, chain, error.message, now());
      logger.error({ chain, cursor: String(cursor), code: error.code }, error.message);
      throw error;
    }
    const at = now();
    const changes = await withTransaction(db, async (trx) => {
      if (!(await renewLease(trx, { ...lease, now: at }))) throw new ScannerLeaseLostError(chain);
      const affected = await removeTransfersAbove(trx, chain, ancestor.number, at);
      await rewindChainProgress(trx, chain, ancestor, at);
      await reconcilePayments(trx, affected, deps.policy, at);
      return affected.length;
    });
    logger.warn(
      { chain, ancestor: String(ancestor.number), cursor: String(cursor), payments: changes },
      'chain reorganized: rewound to the common ancestor',
    );
    return { kind: 'reorg', ancestor: ancestor.number, removedFrom: changes };
  }

  async function scanOnce(): Promise<ScanStep> {
    if (!(await acquireLease(db, { ...lease, now: now() }))) return { kind: 'busy' };
    const progress = await loadChainProgress(db, chain);
    if (progress.haltedReason) throw new ScannerHaltedError(chain, progress.haltedReason);
    const head = await readHead();

    let cursor = progress.cursor;
    if (cursor === null) {
      const start = config.startBlock === 'latest' ? head : config.startBlock;
      cursor = start - 1n;
    }
    if (cursor >= head) {
      if (progress.cursorHash !== null && progress.cursor !== null) {
        const [tip] = await getBlockHeaders(client, [progress.cursor]);
        if (tip && tip.hash !== progress.cursorHash) return handleReorg(progress.cursor);
      }
      await recordChainHead(db, chain, head, now());
      return { kind: 'idle', head };
    }

    const from = cursor + 1n;
    const to = head < cursor + BigInt(range.size) ? head : cursor + BigInt(range.size);
    const { tokenIds, nativeTokenId } = await loadTokens();
    let fetched: Awaited<ReturnType<typeof fetchTransfers>>;
    try {
      fetched = await fetchTransfers({
        client,
        chain,
        from,
        to,
        watchList,
        tokenIds,
        nativeTokenId,
        now: now(),
      });
    } catch (error) {
      if (isRangeTooLargeError(error) && range.size > 1) {
        range.shrink();
        logger.info({ chain, range: range.size }, 'provider refused the block range; shrinking it');
        return scanOnce();
      }
      throw error;
    }
    const first = fetched.headers[0];
    if (first && progress.cursorHash !== null && first.parentHash !== progress.cursorHash) {
      return handleReorg(cursor);
    }
    const through = await confirmedThrough(head);
    const at = now();

    await withTransaction(db, async (trx) => {
      if (!(await renewLease(trx, { ...lease, now: at }))) throw new ScannerLeaseLostError(chain);
      const advanced = await advanceChainProgress(trx, {
        chain,
        expectedCursor: progress.cursor,
        headers: fetched.headers,
        reorgWindow: config.reorgWindow,
        head,
        now: at,
      });
      if (!advanced) throw new ScannerLeaseLostError(chain);
      const touched = await recordTransfers(trx, chain, fetched.transfers, at);
      const recounted = await recountConfirmations(trx, chain, head, through, at);
      await reconcilePayments(trx, [...touched, ...recounted], deps.policy, at);
    });
    range.succeeded();
    return {
      kind: 'scanned',
      from,
      to,
      head,
      transfers: fetched.transfers.length,
      caughtUp: to >= head,
    };
  }

  return {
    chain,
    scanOnce,
    release: () => releaseLease(db, lease),
  };
}
