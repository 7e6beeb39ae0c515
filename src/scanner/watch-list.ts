import type { Kysely } from 'kysely';
import type { Database } from '../db/models/index.ts';
import { listWatchedAddresses, type WatchedAddress } from '../payments/watched-addresses.ts';

/** How far back an incremental refresh reads, to catch payments committed out of order. */
const OVERLAP_MS = 60_000;
/** How often the whole list is read again, which also drops addresses whose window closed. */
const FULL_RELOAD_MS = 10 * 60_000;

export interface WatchList {
  /** The payment a deposit address belongs to, if it is watched. O(1), whatever the list's size. */
  lookup(address: string): WatchedAddress | undefined;
  readonly size: number;
  /**
   * Reads payments created since the last refresh (and, now and then, everything) whose
   * watch window is still open at `openAt`: the time of the blocks about to be matched, so a
   * scanner catching up on old blocks (after downtime, or a rescan) still matches payments
   * whose window closed since by the wall clock.
   */
  refresh(openAt: Date, now?: Date): Promise<void>;
}

/**
 * The set of a chain's watched deposit addresses, held in memory so matching a block's
 * transfers costs the same with a thousand open payments as with a hundred thousand.
 */
export function createWatchList(db: Kysely<Database>, chain: string): WatchList {
  let byAddress = new Map<string, WatchedAddress>();
  let lastFull = 0;
  let lastRefresh = 0;
  let lastOpenAt = 0;

  return {
    // An address whose window closed since the last full reload still matches: recording
    // money a little after the window costs nothing, dropping it would lose it.
    lookup: (address) => byAddress.get(address),
    get size() {
      return byAddress.size;
    },
    async refresh(openAt, now = new Date()) {
      const full = now.getTime() - lastFull >= FULL_RELOAD_MS || openAt.getTime() < lastOpenAt;
      lastOpenAt = openAt.getTime();
      const rows = await listWatchedAddresses(db, chain, {
        now: openAt,
        ...(full ? {} : { createdSince: new Date(lastRefresh - OVERLAP_MS) }),
      });
      if (full) {
        byAddress = new Map();
        lastFull = now.getTime();
      }
      for (const row of rows) byAddress.set(row.address, row);
      lastRefresh = now.getTime();
    },
  };
}
