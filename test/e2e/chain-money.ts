/**
 * Money on the dev chain for the end-to-end tests: paying many payments in a few blocks,
 * keeping the chain moving so confirmations come, and reading back from the chain itself
 * (not cTrip's tables) what reached the treasury.
 */
import { type Address, encodeFunctionData, type Hex, numberToHex, pad } from 'viem';
import { privateKeyToAddress } from 'viem/accounts';
import { testTokenAbi } from '../../src/devnet/artifacts/TestToken.ts';
import { createAnvilRpc } from '../anvil-rpc.ts';
import { type DevChain, PAYER_PRIVATE_KEY } from '../devchain.ts';

const TRANSFER_TOPIC = '0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef';
const GAS_NATIVE = 21_000n;
const GAS_TOKEN = 100_000n;
const MAX_FEE = 10n ** 10n;
const PRIORITY_FEE = 10n ** 9n;
/** Blocks fetched per JSON-RPC batch when looking for native transfers. */
const BLOCK_BATCH = 100;

/** What a payment needs paid: its deposit address, its token (null: native coin), the amount. */
export interface Due {
  readonly address: string;
  readonly token: Address | null;
  readonly amount: bigint;
}

/**
 * Pays each of `dues` its exact amount from the payer, `perBlock` transfers to a block: Anvil
 * signs for its unlocked default accounts, so a block's transfers go in one JSON-RPC batch
 * with automine off, then one `evm_mine` seals them. Automine is back on afterwards (the
 * sweeper's transactions are mined as they are sent). Returns the blocks used.
 */
export async function payInFewBlocks(
  chain: DevChain,
  dues: readonly Due[],
  perBlock: number,
): Promise<bigint[]> {
  const rpc = createAnvilRpc(chain.url);
  const payer = privateKeyToAddress(PAYER_PRIVATE_KEY);
  let nonce = BigInt(await rpc.call<Hex>('eth_getTransactionCount', [payer, 'pending']));
  const blocks: bigint[] = [];
  await rpc.call('evm_setAutomine', [false]);
  try {
    for (let i = 0; i < dues.length; i += perBlock) {
      const slice = dues.slice(i, i + perBlock);
      await rpc.batch(
        slice.map((due) => ({
          method: 'eth_sendTransaction',
          params: [
            {
              from: payer,
              to: due.token ?? due.address,
              value: numberToHex(due.token ? 0n : due.amount),
              data: due.token
                ? encodeFunctionData({
                    abi: testTokenAbi,
                    functionName: 'transfer',
                    args: [due.address as Address, due.amount],
                  })
                : '0x',
              gas: numberToHex(due.token ? GAS_TOKEN : GAS_NATIVE),
              nonce: numberToHex(nonce++),
              maxFeePerGas: numberToHex(MAX_FEE),
              maxPriorityFeePerGas: numberToHex(PRIORITY_FEE),
            },
          ],
        })),
      );
      await rpc.call('evm_mine', []);
      const head = BigInt(await rpc.call<Hex>('eth_blockNumber', []));
      const count = Number(
        await rpc.call<Hex>('eth_getBlockTransactionCountByNumber', [numberToHex(head)]),
      );
      if (count !== slice.length) {
        throw new Error(`block ${head} holds ${count} transactions, not the ${slice.length} sent`);
      }
      blocks.push(head);
    }
  } finally {
    await rpc.call('evm_setAutomine', [true]);
  }
  return blocks;
}

/** Turns automine on or off: off, a transaction sent waits in the pool until a block is mined. */
export async function setAutomine(chain: DevChain, on: boolean): Promise<void> {
  await createAnvilRpc(chain.url).call('evm_setAutomine', [on]);
}

/** The hashes waiting in Anvil's transaction pool. */
export async function pendingTransactions(chain: DevChain): Promise<Hex[]> {
  const content = await createAnvilRpc(chain.url).call<{
    pending: Record<string, Record<string, { hash: Hex }>>;
  }>('txpool_content', []);
  return Object.values(content.pending).flatMap((byNonce) =>
    Object.values(byNonce).map((tx) => tx.hash),
  );
}

/** Removes a transaction from the pool, as if it had never reached the node. */
export async function dropTransaction(chain: DevChain, hash: Hex): Promise<void> {
  await createAnvilRpc(chain.url).call('anvil_dropTransaction', [hash]);
}

/**
 * Mines an empty block every `intervalMs` until stopped, so transfers and sweeps gain
 * confirmations without the test counting blocks. Errors (the node stopping under it) end it.
 */
export function startMining(chain: DevChain, intervalMs: number): { stop(): Promise<void> } {
  let running = true;
  const loop = (async () => {
    while (running) {
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
      if (!running) break;
      try {
        await chain.mine(1);
      } catch {
        running = false;
      }
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
    },
  };
}

/** One transfer into the treasury as the chain recorded it. */
export interface TreasuryTransfer {
  readonly txHash: Hex;
  /** The deposit address it came from (lower-case). */
  readonly from: string;
  /** The token contract (lower-case); null for the native coin. */
  readonly token: string | null;
  readonly amount: bigint;
}

/**
 * Every transfer into `treasury` from `fromBlock` to the head, read from the chain: native
 * transfers from the blocks' transactions, token transfers from the `Transfer` logs of `tokens`.
 */
export async function treasuryTransfers(
  chain: DevChain,
  treasury: string,
  tokens: readonly Address[],
  fromBlock: bigint,
): Promise<TreasuryTransfer[]> {
  const rpc = createAnvilRpc(chain.url);
  const head = BigInt(await rpc.call<Hex>('eth_blockNumber', []));
  const found: TreasuryTransfer[] = [];
  const to = treasury.toLowerCase();
  for (let start = fromBlock; start <= head; start += BigInt(BLOCK_BATCH)) {
    const numbers: bigint[] = [];
    for (let n = start; n <= head && n < start + BigInt(BLOCK_BATCH); n++) numbers.push(n);
    const blocks = (await rpc.batch(
      numbers.map((n) => ({ method: 'eth_getBlockByNumber', params: [numberToHex(n), true] })),
    )) as { transactions: { hash: Hex; from: string; to: string | null; value: Hex }[] }[];
    for (const block of blocks) {
      for (const tx of block.transactions) {
        if (tx.to?.toLowerCase() === to && BigInt(tx.value) > 0n) {
          found.push({
            txHash: tx.hash,
            from: tx.from.toLowerCase(),
            token: null,
            amount: BigInt(tx.value),
          });
        }
      }
    }
  }
  const logs = await rpc.call<
    { transactionHash: Hex; address: string; topics: Hex[]; data: Hex }[]
  >('eth_getLogs', [
    {
      fromBlock: numberToHex(fromBlock),
      toBlock: numberToHex(head),
      address: tokens,
      topics: [TRANSFER_TOPIC, null, pad(to as Hex, { size: 32 })],
    },
  ]);
  for (const log of logs) {
    found.push({
      txHash: log.transactionHash,
      from: `0x${(log.topics[1] ?? '').slice(-40)}`.toLowerCase(),
      token: log.address.toLowerCase(),
      amount: BigInt(log.data),
    });
  }
  return found;
}

/** What `holder` has of the native coin and of each token, by token address (null: native). */
export async function balancesOf(
  chain: DevChain,
  holder: string,
  tokens: readonly Address[],
): Promise<Map<string | null, bigint>> {
  const balances = new Map<string | null, bigint>();
  balances.set(
    null,
    await chain.publicClient.getBalance({ address: holder as Address, blockTag: 'latest' }),
  );
  for (const token of tokens) {
    const balance = await chain.publicClient.readContract({
      address: token,
      abi: testTokenAbi,
      functionName: 'balanceOf',
      args: [holder as Address],
    });
    balances.set(token.toLowerCase(), balance as bigint);
  }
  return balances;
}
