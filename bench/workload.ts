import type { NewPayment } from './fixtures.ts';

/**
 * One way of talking to the database (the project's layer, or a driver used directly) doing
 * the benchmark's work. Every side converts values as an application must: bigint amounts
 * and Date timestamps in, the same types out.
 */
export interface Workload {
  /** Empties the payments table and settles the files, so every round starts alike (untimed). */
  reset(): Promise<void>;
  /** Inserts each batch in one multi-row INSERT, in a transaction of its own. */
  insert(batches: readonly (readonly NewPayment[])[]): Promise<void>;
  /**
   * Reads each payment back by its deposit address, one query at a time. Returns a checksum
   * of what it read (amounts and expiry times), so the sides can be shown to read alike.
   */
  lookup(params: LookupParams): Promise<bigint>;
  close(): Promise<void>;
}

export interface LookupParams {
  readonly addresses: readonly string[];
  /**
   * A chain: look up by (chain, address), the unique key, which an index serves. Null: by
   * address alone (`where address = ?`); no index leads with address, so each is a scan.
   */
  readonly chain: string | null;
  /**
   * The project compiles the lookup once with `prepareQuery`, as hot paths do; the bare
   * drivers always reuse a prepared statement, so for them this changes nothing.
   */
  readonly prepared?: boolean;
}

/** The checksum `lookup` returns: the sum over rows of amount + expiry in ms. */
export function checksumOf(amount: bigint, expiresAt: Date): bigint {
  return amount + BigInt(expiresAt.getTime());
}

export class PaymentNotFoundError extends Error {
  constructor(address: string) {
    super(`no payment at deposit address ${address}`);
  }
}
