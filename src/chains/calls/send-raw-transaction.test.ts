import { createPublicClient, http } from 'viem';
import { foundry } from 'viem/chains';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANVIL_PRIVATE_KEY, type AnvilNode, startAnvil } from '../../../test/anvil.ts';
import { signTransaction } from '../../wallet/transaction-signer.ts';
import { createChainClient } from '../chain-client.ts';
import { getTransactionCount } from './get-transaction-count.ts';
import { getTransactionReceipts } from './get-transaction-receipts.ts';
import { sendRawTransaction } from './send-raw-transaction.ts';

const RECIPIENT = '0x00000000000000000000000000000000000000a1';

describe('sendRawTransaction', () => {
  let anvil: AnvilNode;
  beforeAll(async () => {
    anvil = await startAnvil();
  });
  afterAll(() => anvil?.stop());

  it('the same bytes sent again are known, and once mined their nonce is too low; a bad transaction is rejected with the node’s reason', async () => {
    const client = createChainClient({ name: 'anvil', chainId: 31337, rpcUrls: [anvil.url] });
    const rpc = createPublicClient({ chain: foundry, transport: http(anvil.url) });
    await rpc.request({ method: 'evm_setAutomine', params: [false] } as never);
    const sign = (nonce: bigint, value: bigint, gasPrice = 2_000_000_000n) =>
      signTransaction(ANVIL_PRIVATE_KEY, {
        type: 'legacy',
        chainId: 31337,
        nonce,
        to: RECIPIENT,
        value,
        gas: 21_000n,
        gasPrice,
      });
    const from = (await sign(0n, 0n)).from;
    const nonce = await getTransactionCount(client, from, 'latest');
    const tx = await sign(nonce, 1n);

    expect(await sendRawTransaction(client, tx.raw)).toEqual({ kind: 'accepted', hash: tx.hash });
    expect(await sendRawTransaction(client, tx.raw)).toEqual({ kind: 'known', hash: tx.hash });
    expect(await getTransactionCount(client, from, 'pending')).toBe(nonce + 1n);
    expect((await getTransactionReceipts(client, [tx.hash])).size).toBe(0);

    await rpc.request({ method: 'evm_mine', params: [] } as never);
    await rpc.request({ method: 'evm_setAutomine', params: [true] } as never);
    const receipts = await getTransactionReceipts(client, [tx.hash]);
    expect(receipts.get(tx.hash)?.status).toBe('success');
    expect(receipts.get(tx.hash)?.gasUsed).toBe(21_000n);
    expect(await sendRawTransaction(client, tx.raw)).toMatchObject({ kind: 'nonce-too-low' });

    const tooMuch = await sign(nonce + 1n, 10n ** 30n);
    const refused = await sendRawTransaction(client, tooMuch.raw);
    expect(refused).toMatchObject({ kind: 'rejected', hash: tooMuch.hash });
    expect(refused.kind === 'rejected' && refused.reason).toMatch(/fund/i);
  });
});
