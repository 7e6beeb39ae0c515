import type { Address } from 'viem';
import { getBalance } from '../chains/index.ts';
import { bumpPrice, type GasPrice, maxCostPerGas, priceOfStored } from './fees.ts';
import { sendReplacement } from './send-transaction.ts';
import type { SweepPass } from './sweep-pass.ts';
import { moveSweep, type OpenSweep, type OutgoingTransaction } from './sweep-queries.ts';

/**
 * A stuck sweep transaction again with the same nonce and fees 12.5 % higher. A native sweep's
 * amount shrinks by the extra fee, so the address is still left empty; a token sweep needs
 * the extra gas money at the address, and waits for the old one to be mined if it lacks it.
 */
export async function replaceSweepTransaction(
  pass: SweepPass,
  sweep: OpenSweep,
  latest: OutgoingTransaction,
): Promise<boolean> {
  const { client } = pass.deps.chain;
  const from = sweep.from_address as Address;
  const price = bumpPrice(priceOfStored(latest), await pass.fees());
  const gas = latest.gas_limit;
  const native = sweep.token_address === null;
  const balance = await getBalance(client, from);
  const value = native ? balance - gas * maxCostPerGas(price) : 0n;
  if ((native && value <= 0n) || (!native && balance < gas * maxCostPerGas(price))) {
    pass.deps.logger.warn(
      { chain: pass.chain, sweepId: sweep.id, txHash: latest.tx_hash },
      'a stuck sweep transaction cannot be replaced: the address cannot pay a higher fee; broadcasting it again',
    );
    return false;
  }
  const tx = await sendReplacement(
    pass,
    latest,
    {
      purpose: 'sweep',
      sweepId: sweep.id,
      key: pass.deps.deriver.privateKeyAt(Number(sweep.address_index)),
      from,
      to: latest.to_address as Address,
      value,
      ...(latest.data ? { data: latest.data as `0x${string}` } : {}),
      gas,
      price,
    },
    (trx, stored) =>
      moveSweep(trx, {
        id: sweep.id,
        from: 'sent',
        to: 'sent',
        now: pass.now(),
        set: { sweep_tx_id: stored.id, ...(native ? { amount: value } : {}) },
      }),
  );
  logReplaced(pass, sweep, latest, tx, price);
  return true;
}

export async function replaceTopUp(
  pass: SweepPass,
  sweep: OpenSweep,
  latest: OutgoingTransaction,
): Promise<boolean> {
  const price = bumpPrice(priceOfStored(latest), await pass.fees());
  const tx = await sendReplacement(
    pass,
    latest,
    {
      purpose: 'top_up',
      sweepId: sweep.id,
      key: pass.deps.hotWalletKey,
      from: pass.hotWallet,
      to: latest.to_address as Address,
      value: latest.value,
      gas: latest.gas_limit,
      price,
    },
    (trx, stored) =>
      moveSweep(trx, {
        id: sweep.id,
        from: 'topping_up',
        to: 'topping_up',
        now: pass.now(),
        set: { top_up_tx_id: stored.id },
      }),
  );
  logReplaced(pass, sweep, latest, tx, price);
  return true;
}

function logReplaced(
  pass: SweepPass,
  sweep: OpenSweep,
  old: OutgoingTransaction,
  tx: OutgoingTransaction,
  price: GasPrice,
): void {
  pass.deps.logger.warn(
    {
      chain: pass.chain,
      sweepId: sweep.id,
      purpose: tx.purpose,
      nonce: String(tx.nonce),
      replaced: old.tx_hash,
      txHash: tx.tx_hash,
      maxFeePerGas: String(maxCostPerGas(price)),
    },
    'a transaction stayed unmined: replaced with the same nonce and higher fees',
  );
}
