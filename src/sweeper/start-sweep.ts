import { type Address, encodeFunctionData, erc20Abi } from 'viem';
import {
  estimateGas,
  getBalance,
  getTokenBalance,
  RpcRequestRejectedError,
} from '../chains/index.ts';
import type { SweeperErrorCode } from './errors.ts';
import { affordablePrice, exactPriceFor, maxCostPerGas, priceFor } from './fees.ts';
import { sendNewTransaction } from './send-transaction.ts';
import type { SweepPass } from './sweep-pass.ts';
import { moveSweep, noteSweepProblem, type OpenSweep } from './sweep-queries.ts';

export type StartOutcome = 'sent' | 'topping-up' | 'waiting';

/** A plain transfer between externally owned accounts (deposit addresses are). */
const TRANSFER_GAS = 21_000n;
// A token transfer's estimate is exact for the state it ran on; a little room covers a change
// of that state (the treasury's balance slot) before the transaction is mined.
const TOKEN_GAS_MARGIN_PERCENT = 10n;

/**
 * Starts a pending sweep: reads what the deposit address holds now and signs the transfer of
 * all of it to the treasury, after a gas top-up from the hot wallet for a token address that
 * cannot pay its own gas. Dust (below min_sweep) waits.
 */
export async function startSweep(pass: SweepPass, sweep: OpenSweep): Promise<StartOutcome> {
  if (sweep.payment_status !== 'confirmed') {
    return waitFor(
      pass,
      sweep,
      'SWEEP_PAYMENT_NOT_CONFIRMED',
      `the payment is ${sweep.payment_status}`,
    );
  }
  return sweep.token_address === null
    ? startNativeSweep(pass, sweep)
    : startTokenSweep(pass, sweep, sweep.token_address as Address);
}

async function startNativeSweep(pass: SweepPass, sweep: OpenSweep): Promise<StartOutcome> {
  const { client } = pass.deps.chain;
  const from = sweep.from_address as Address;
  const balance = await getBalance(client, from);
  const minimum = pass.minSweepOf(null);
  if (balance === 0n) return belowMinimum(pass, sweep, balance, minimum);
  const gas = await estimateTransferGas(pass, from, balance);
  const price = exactPriceFor(await pass.fees());
  const amount = balance - gas * maxCostPerGas(price);
  if (amount <= 0n || amount < minimum) {
    return belowMinimum(pass, sweep, balance, minimum, ' after the fee');
  }
  await sendNewTransaction(
    pass,
    {
      purpose: 'sweep',
      sweepId: sweep.id,
      key: pass.deps.deriver.privateKeyAt(Number(sweep.address_index)),
      from,
      to: pass.treasury,
      value: amount,
      gas,
      price,
    },
    (trx, tx) =>
      moveSweep(trx, {
        id: sweep.id,
        from: 'pending',
        to: 'sent',
        now: pass.now(),
        set: { sweep_tx_id: tx.id, amount, error: null },
      }),
  );
  logSent(pass, sweep, amount);
  return 'sent';
}

async function startTokenSweep(
  pass: SweepPass,
  sweep: OpenSweep,
  token: Address,
): Promise<StartOutcome> {
  const { client } = pass.deps.chain;
  const from = sweep.from_address as Address;
  const balance = await getTokenBalance(client, token, from);
  const minimum = pass.minSweepOf(token);
  if (balance === 0n || balance < minimum) return belowMinimum(pass, sweep, balance, minimum);
  const data = encodeFunctionData({
    abi: erc20Abi,
    functionName: 'transfer',
    args: [pass.treasury, balance],
  });
  const estimate = await estimateGas(client, { from, to: token, data });
  const gas = estimate + (estimate * TOKEN_GAS_MARGIN_PERCENT) / 100n;
  const fees = await pass.fees();
  const wanted = priceFor(fees);
  const gasMoney = await getBalance(client, from);
  const price = affordablePrice(wanted, fees, gasMoney / gas);
  if (price === null) return topUp(pass, sweep, gas * maxCostPerGas(wanted) - gasMoney);
  await sendNewTransaction(
    pass,
    {
      purpose: 'sweep',
      sweepId: sweep.id,
      key: pass.deps.deriver.privateKeyAt(Number(sweep.address_index)),
      from,
      to: token,
      value: 0n,
      data,
      gas,
      price,
    },
    (trx, tx) =>
      moveSweep(trx, {
        id: sweep.id,
        from: 'pending',
        to: 'sent',
        now: pass.now(),
        set: { sweep_tx_id: tx.id, amount: balance, error: null },
      }),
  );
  logSent(pass, sweep, balance);
  return 'sent';
}

/** Sends the deposit address the gas money its token transfer needs, from the hot wallet. */
async function topUp(pass: SweepPass, sweep: OpenSweep, value: bigint): Promise<StartOutcome> {
  const { client } = pass.deps.chain;
  const price = priceFor(await pass.fees());
  const cost = value + TRANSFER_GAS * maxCostPerGas(price);
  const available = await getBalance(client, pass.hotWallet);
  if (available < cost) {
    return waitFor(
      pass,
      sweep,
      'SWEEP_HOT_WALLET_SHORT',
      `the hot wallet ${pass.hotWallet} holds ${available} wei; a gas top-up needs ${cost}`,
      'error',
    );
  }
  const tx = await sendNewTransaction(
    pass,
    {
      purpose: 'top_up',
      sweepId: sweep.id,
      key: pass.deps.hotWalletKey,
      from: pass.hotWallet,
      to: sweep.from_address as Address,
      value,
      gas: TRANSFER_GAS,
      price,
    },
    (trx, stored) =>
      moveSweep(trx, {
        id: sweep.id,
        from: 'pending',
        to: 'topping_up',
        now: pass.now(),
        set: { top_up_tx_id: stored.id, error: null },
      }),
  );
  pass.deps.logger.info(
    {
      chain: pass.chain,
      sweepId: sweep.id,
      paymentId: sweep.payment_id,
      address: sweep.from_address,
      value: String(value),
      txHash: tx.tx_hash,
    },
    'gas top-up sent to a deposit address',
  );
  return 'topping-up';
}

/**
 * Records dust. The message names the balance, not the amount after a fee: it stays the same
 * while nothing arrives, so the wait is logged once however gas prices move.
 */
function belowMinimum(
  pass: SweepPass,
  sweep: OpenSweep,
  balance: bigint,
  minimum: bigint,
  afterFee = '',
): Promise<StartOutcome> {
  const held = `${sweep.from_address} holds ${balance} base units of ${sweep.token_symbol}`;
  const short = minimum > 0n ? `below min_sweep (${minimum})` : 'nothing to sweep';
  return waitFor(pass, sweep, 'SWEEP_BELOW_MINIMUM', `${held}, ${short}${afterFee}`);
}

/**
 * The gas of a plain coin transfer to the treasury (21,000 to an account, more to a contract).
 * Some nodes check the balance against value plus gas at the default price while estimating,
 * which a transfer of the whole balance fails: the estimate is then made for a zero value.
 */
async function estimateTransferGas(pass: SweepPass, from: Address, balance: bigint) {
  const { client } = pass.deps.chain;
  try {
    return await estimateGas(client, { from, to: pass.treasury, value: balance });
  } catch (error) {
    if (!(error instanceof RpcRequestRejectedError)) throw error;
    return estimateGas(client, { from, to: pass.treasury, value: 0n });
  }
}

/** Records why the sweep waits; logs it once, when the reason changes. */
async function waitFor(
  pass: SweepPass,
  sweep: OpenSweep,
  code: SweeperErrorCode,
  message: string,
  level: 'info' | 'error' = 'info',
): Promise<StartOutcome> {
  const error = `${code}: ${message}`;
  if (await noteSweepProblem(pass.deps.db, { id: sweep.id, error, now: pass.now() })) {
    pass.deps.logger[level](
      { chain: pass.chain, sweepId: sweep.id, paymentId: sweep.payment_id, code },
      `sweep waits: ${message}`,
    );
  }
  return 'waiting';
}

function logSent(pass: SweepPass, sweep: OpenSweep, amount: bigint): void {
  pass.deps.logger.info(
    {
      chain: pass.chain,
      sweepId: sweep.id,
      paymentId: sweep.payment_id,
      token: sweep.token_symbol,
      amount: String(amount),
    },
    'sweep sent to the treasury',
  );
}
