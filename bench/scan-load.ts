import { randomBytes } from 'node:crypto';
import { type Address, encodeFunctionData, type Hex, numberToHex } from 'viem';
import { mnemonicToAccount } from 'viem/accounts';
import { testTokenAbi } from '../contracts/artifacts/TestToken.ts';
import type { ChainConfig } from '../src/config/chains-file.ts';
import { createDepositAddressDeriver, DEVELOPMENT_MNEMONIC } from '../src/wallet/index.ts';
import { type AnvilRpc, createAnvilRpc } from '../test/anvil-rpc.ts';
import { type DevChain, startDevChain } from '../test/devchain.ts';

/** The mnemonic Anvil funds accounts 0..9 of; Anvil signs for them itself (eth_sendTransaction). */
const ANVIL_MNEMONIC = 'test test test test test test test test test test test junk';
/** Accounts 0 (deployer) and 1 (payer) belong to the dev chain fixture; the load uses the rest. */
const SENDER_INDEXES = [2, 3, 4, 5, 6, 7, 8, 9] as const;
const NATIVE_AMOUNT = 10n ** 12n;
const TOKEN_AMOUNT = 1_000_000n;
const MINT_AMOUNT = 10n ** 30n;
/** Payments ask for this many transfers' worth: receivers go detected, confirmed, then overpaid. */
const TRANSFERS_PER_PAYMENT = 3n;
const GAS_NATIVE = 21_000n;
const GAS_TOKEN = 100_000n;
const MAX_FEE = 10n ** 10n;
const PRIORITY_FEE = 10n ** 9n;

/** What one block of the load holds. */
export interface BlockMix {
  /** USDC, DAI and USDT transfers (in turn) into watched addresses. */
  readonly watchedToken: number;
  readonly watchedNative: number;
  /** Native transfers to random addresses nobody watches. */
  readonly unwatchedNative: number;
  /** Listed-token transfers to random addresses: in eth_getLogs' answer, matched by nobody. */
  readonly unwatchedToken: number;
  /** Transfers of a token that is not in the chain configuration, into watched addresses. */
  readonly unlistedToken: number;
}

export interface LoadScanChainParams {
  readonly blocks: number;
  readonly mix: BlockMix;
  /** Deposit addresses that receive the watched transfers (derived at indexes 0..n-1). */
  readonly receivers: number;
}

/** A payment whose deposit address the load sends money to. */
export interface Receiver {
  readonly address: Hex;
  readonly addressIndex: bigint;
  /** null: the native coin; else the token contract (lower-case). */
  readonly token: Address | null;
  readonly amount: bigint;
}

export interface ScanChain {
  readonly devChain: DevChain;
  /** First and last block of the load: nothing else is in them, nothing is mined after. */
  readonly firstBlock: bigint;
  readonly lastBlock: bigint;
  readonly receivers: readonly Receiver[];
  readonly transactions: number;
  readonly watchedNative: number;
  readonly watchedToken: number;
  /** Listed-token Transfer logs in the range, watched or not: what eth_getLogs returns. */
  readonly listedTokenLogs: number;
  /** The chain as the scanner is configured, starting at `firstBlock`. */
  config(maxBlockRange: number): ChainConfig;
  stop(): Promise<void>;
}

interface TxRequest {
  readonly from: Address;
  readonly to: Address;
  readonly value?: bigint;
  readonly data?: Hex;
  readonly gas: bigint;
}

/**
 * A real Anvil node (the dev chain fixture) with `blocks` blocks of load mined after the
 * tokens are deployed. Automine is turned off so each block holds a whole `mix`: its
 * transactions are sent in one JSON-RPC batch (Anvil signs for its own accounts), then
 * `evm_mine` seals them. Every block is checked to hold what was sent.
 */
export async function loadScanChain(params: LoadScanChainParams): Promise<ScanChain> {
  const devChain = await startDevChain();
  try {
    return await load(devChain, params);
  } catch (error) {
    await devChain.stop();
    throw error;
  }
}

async function load(devChain: DevChain, params: LoadScanChainParams): Promise<ScanChain> {
  const rpc = createAnvilRpc(devChain.url);
  const senders = SENDER_INDEXES.map(
    (i) => mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: i }).address,
  );
  const deployer = mnemonicToAccount(ANVIL_MNEMONIC, { addressIndex: 0 }).address;
  const listed = [devChain.usdc, devChain.dai, devChain.usdt];
  const nonces = new Map<Address, bigint>();
  for (const account of [deployer, ...senders]) {
    nonces.set(
      account,
      BigInt(await rpc.call<Hex>('eth_getTransactionCount', [account, 'pending'])),
    );
  }
  const send = async (txs: readonly TxRequest[]) => {
    await rpc.batch(
      txs.map((tx) => {
        const nonce = nonces.get(tx.from) ?? 0n;
        nonces.set(tx.from, nonce + 1n);
        return {
          method: 'eth_sendTransaction',
          params: [
            {
              from: tx.from,
              to: tx.to,
              value: numberToHex(tx.value ?? 0n),
              data: tx.data ?? '0x',
              gas: numberToHex(tx.gas),
              nonce: numberToHex(nonce),
              maxFeePerGas: numberToHex(MAX_FEE),
              maxPriorityFeePerGas: numberToHex(PRIORITY_FEE),
            },
          ],
        };
      }),
    );
  };

  await rpc.call('evm_setAutomine', [false]);
  const mints = senders.flatMap((sender) =>
    [...listed, devChain.unlisted].map((token) => ({
      from: deployer,
      to: token,
      data: transferData('mint', sender, MINT_AMOUNT),
      gas: GAS_TOKEN,
    })),
  );
  await send(mints);
  await rpc.call('evm_mine', []);
  await expectBlockSizes(rpc, [[await headOf(rpc), mints.length]]);

  const deriver = createDepositAddressDeriver({ kind: 'mnemonic', mnemonic: DEVELOPMENT_MNEMONIC });
  // Receivers take the native coin and the three listed tokens in turn.
  const tokenOf = (i: number): Address | null =>
    i % 4 === 0 ? null : (listed[(i % 4) - 1] ?? null);
  const receivers: Receiver[] = Array.from({ length: params.receivers }, (_, i) => {
    const token = tokenOf(i);
    const unit = token === null ? NATIVE_AMOUNT : TOKEN_AMOUNT;
    return {
      address: deriver.addressAt(i),
      addressIndex: BigInt(i),
      token,
      amount: unit * TRANSFERS_PER_PAYMENT,
    };
  });
  const nativeReceivers = receivers.filter((r) => r.token === null);
  const tokenReceivers = receivers.filter((r) => r.token !== null);
  if (nativeReceivers.length === 0 || tokenReceivers.length === 0) {
    throw new RangeError('need at least 4 receivers: one per asset');
  }

  const firstBlock = (await headOf(rpc)) + 1n;
  const { mix } = params;
  let next = 0;
  const sender = () => senders[next++ % senders.length] as Address;
  const random = () => `0x${randomBytes(20).toString('hex')}` as Address;
  let nativeAt = 0;
  let tokenAt = 0;
  let noiseAt = 0;
  const sizes: [bigint, number][] = [];
  for (let b = 0; b < params.blocks; b++) {
    const txs: TxRequest[] = [];
    for (let i = 0; i < mix.watchedToken; i++) {
      const to = tokenReceivers[tokenAt++ % tokenReceivers.length] as Receiver;
      const data = transferData('transfer', to.address, TOKEN_AMOUNT);
      txs.push({ from: sender(), to: to.token as Address, data, gas: GAS_TOKEN });
    }
    for (let i = 0; i < mix.watchedNative; i++) {
      const to = nativeReceivers[nativeAt++ % nativeReceivers.length] as Receiver;
      txs.push({ from: sender(), to: to.address, value: NATIVE_AMOUNT, gas: GAS_NATIVE });
    }
    for (let i = 0; i < mix.unwatchedNative; i++) {
      txs.push({ from: sender(), to: random(), value: NATIVE_AMOUNT, gas: GAS_NATIVE });
    }
    for (let i = 0; i < mix.unwatchedToken; i++) {
      const token = listed[noiseAt++ % listed.length] as Address;
      const data = transferData('transfer', random(), TOKEN_AMOUNT);
      txs.push({ from: sender(), to: token, data, gas: GAS_TOKEN });
    }
    for (let i = 0; i < mix.unlistedToken; i++) {
      const to = receivers[noiseAt++ % receivers.length] as Receiver;
      const data = transferData('transfer', to.address, TOKEN_AMOUNT);
      txs.push({ from: sender(), to: devChain.unlisted, data, gas: GAS_TOKEN });
    }
    await send(txs);
    await rpc.call('evm_mine', []);
    sizes.push([firstBlock + BigInt(b), txs.length]);
  }
  await expectBlockSizes(rpc, sizes);
  const lastBlock = firstBlock + BigInt(params.blocks) - 1n;
  if ((await headOf(rpc)) !== lastBlock) throw new Error('the load did not end at the head');

  const perBlock = Object.values(mix).reduce((a, b) => a + b, 0);
  return {
    devChain,
    firstBlock,
    lastBlock,
    receivers,
    transactions: perBlock * params.blocks,
    watchedNative: mix.watchedNative * params.blocks,
    watchedToken: mix.watchedToken * params.blocks,
    listedTokenLogs: (mix.watchedToken + mix.unwatchedToken) * params.blocks,
    config: (maxBlockRange) => devChain.config({ startBlock: firstBlock, maxBlockRange }),
    stop: () => devChain.stop(),
  };
}

function transferData(functionName: 'mint' | 'transfer', to: Address, amount: bigint): Hex {
  return encodeFunctionData({ abi: testTokenAbi, functionName, args: [to, amount] });
}

/** Throws unless each listed block holds exactly the given number of transactions. */
async function expectBlockSizes(rpc: AnvilRpc, sizes: readonly [bigint, number][]): Promise<void> {
  const counts = await rpc.batch(
    sizes.map(([block]) => ({
      method: 'eth_getBlockTransactionCountByNumber',
      params: [numberToHex(block)],
    })),
  );
  for (const [i, [block, expected]] of sizes.entries()) {
    const count = Number(counts[i] as Hex);
    if (count !== expected) {
      throw new Error(`block ${block} holds ${count} transactions, not the ${expected} sent`);
    }
  }
}

async function headOf(rpc: AnvilRpc): Promise<bigint> {
  return BigInt(await rpc.call<Hex>('eth_blockNumber', []));
}
