import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines, type OpenDatabase, setupMigratedDatabase } from '../../test/database.ts';
import { withTransaction } from '../db/transaction.ts';
import { allocateNonce } from './nonce-allocator.ts';

const ADDRESS = '0x15d34aaf54267db7d7c367839aaf71a00a2c6a65';

describe.each(engines)('allocating nonces, %s', (engine) => {
  let opened: OpenDatabase;

  beforeAll(async () => {
    opened = await setupMigratedDatabase(engine);
  });
  afterAll(async () => {
    await opened?.teardown();
  });

  function allocate(address: string, chainNonce: bigint, chain = 'anvil') {
    return withTransaction(opened.handle.db, (trx) =>
      allocateNonce(trx, { chain, address, chainNonce, now: new Date() }),
    );
  }

  it('starts from the chain’s count, then counts on from the database', async () => {
    const address = '0x00000000000000000000000000000000000000b1';
    expect(await allocate(address, 4n)).toBe(4n);
    // The chain does not see our signed-but-unmined transactions yet: the database is ahead.
    expect(await allocate(address, 4n)).toBe(5n);
    expect(await allocate(address, 0n)).toBe(6n);
    // Another wallet used the account: the chain is ahead, and wins.
    expect(await allocate(address, 20n)).toBe(20n);
    expect(await allocate(address, 20n)).toBe(21n);
    // Each chain has its own counter for the same address.
    expect(await allocate(address, 0n, 'other')).toBe(0n);
  });

  it('a nonce taken in a transaction that rolls back is handed out again (no gap)', async () => {
    const address = '0x00000000000000000000000000000000000000b2';
    expect(await allocate(address, 0n)).toBe(0n);
    await expect(
      withTransaction(opened.handle.db, async (trx) => {
        expect(
          await allocateNonce(trx, { chain: 'anvil', address, chainNonce: 0n, now: new Date() }),
        ).toBe(1n);
        throw new Error('signing failed');
      }),
    ).rejects.toThrow('signing failed');
    expect(await allocate(address, 0n)).toBe(1n);
  });

  it('concurrent allocations for one account never hand out a nonce twice', async () => {
    const nonces = await Promise.all(Array.from({ length: 24 }, () => allocate(ADDRESS, 0n)));
    expect(new Set(nonces).size).toBe(24);
    expect([...nonces].sort((a, b) => Number(a - b))).toEqual(
      Array.from({ length: 24 }, (_, i) => BigInt(i)),
    );
  });
});
