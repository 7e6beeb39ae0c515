import type { Hex } from 'viem';
import { parseTransaction } from 'viem';
import type { FeeData } from '../chains/index.ts';
import type { OutgoingTransaction } from './sweep-queries.ts';

/** How a transaction pays for gas: type 0 at one price, or type 2 with a cap and a tip. */
export type GasPrice =
  | { readonly type: 'legacy'; readonly gasPrice: bigint }
  | {
      readonly type: 'eip1559';
      readonly maxFeePerGas: bigint;
      readonly maxPriorityFeePerGas: bigint;
    };

/**
 * The price of a transaction that should be mined soon: on an EIP-1559 chain a cap of twice
 * the base fee plus the tip, which stays above the base fee through six full blocks in a row.
 */
export function priceFor(fees: FeeData): GasPrice {
  if (fees.baseFeePerGas === null) return { type: 'legacy', gasPrice: fees.gasPrice };
  const tip = fees.maxPriorityFeePerGas;
  return {
    type: 'eip1559',
    maxFeePerGas: fees.baseFeePerGas * 2n + tip,
    maxPriorityFeePerGas: tip,
  };
}

/**
 * The exact price of a native sweep: a type-0 transaction pays `gas used × gasPrice` and no
 * more, so `balance − gas × gasPrice` reaches the treasury and a plain transfer (gas used =
 * the limit) leaves the address empty. A type-2 transaction's cost depends on the base fee of
 * the block it lands in, which is unknown when the amount is fixed.
 */
export function exactPriceFor(fees: FeeData): GasPrice {
  return { type: 'legacy', gasPrice: fees.gasPrice };
}

/** The most a transaction can pay per unit of gas. */
export function maxCostPerGas(price: GasPrice): bigint {
  return price.type === 'legacy' ? price.gasPrice : price.maxFeePerGas;
}

/**
 * Lowers a price's cap to what an address can afford per gas, when that still pays the base
 * fee and the tip now; null when it does not (the address needs more gas money).
 */
export function affordablePrice(price: GasPrice, fees: FeeData, perGas: bigint): GasPrice | null {
  if (price.type === 'legacy') return perGas >= price.gasPrice ? price : null;
  if (perGas >= price.maxFeePerGas) return price;
  const floor = (fees.baseFeePerGas ?? 0n) + price.maxPriorityFeePerGas;
  return perGas >= floor ? { ...price, maxFeePerGas: perGas } : null;
}

/** x increased by 12.5 %, rounded up: above the 10 % nodes require to replace a transaction. */
export function bumped(x: bigint): bigint {
  return (x * 9n + 7n) / 8n;
}

/** The price of a replacement: at least 12.5 % over the old one in every part, and at least today's. */
export function bumpPrice(old: GasPrice, fees: FeeData): GasPrice {
  const now = old.type === 'legacy' ? exactPriceFor(fees) : priceFor(fees);
  if (old.type === 'legacy') {
    return { type: 'legacy', gasPrice: max(bumped(old.gasPrice), maxCostPerGas(now)) };
  }
  const tip = max(
    bumped(old.maxPriorityFeePerGas),
    now.type === 'eip1559' ? now.maxPriorityFeePerGas : 0n,
  );
  return {
    type: 'eip1559',
    maxFeePerGas: max(bumped(old.maxFeePerGas), maxCostPerGas(now), tip),
    maxPriorityFeePerGas: tip,
  };
}

/** The price a stored transaction was signed with, read from its signed bytes. */
export function priceOfStored(tx: OutgoingTransaction): GasPrice {
  const parsed = parseTransaction(tx.raw as Hex);
  return parsed.type === 'legacy' || parsed.type === 'eip2930'
    ? { type: 'legacy', gasPrice: tx.max_fee_per_gas }
    : {
        type: 'eip1559',
        maxFeePerGas: tx.max_fee_per_gas,
        maxPriorityFeePerGas: tx.max_priority_fee_per_gas,
      };
}

function max(...values: bigint[]): bigint {
  let highest = values[0] ?? 0n;
  for (const value of values) if (value > highest) highest = value;
  return highest;
}
