// How many deposit addresses a mnemonic deriver makes per second: payment creation derives one
// per payment, so this must stay far above the rate payments are created.
import { pathToFileURL } from 'node:url';
import { createDepositAddressDeriver, DEVELOPMENT_MNEMONIC } from '../src/wallet/index.ts';

const WARM_UP = 500;

/** Derives `count` addresses (indexes 0..count-1) after a warm-up and returns the rate. */
export function measureAddressDerivation(count = 10_000): { perSecond: number; count: number } {
  if (!Number.isInteger(count) || count < 1)
    throw new RangeError('count must be a positive integer');
  const deriver = createDepositAddressDeriver({ kind: 'mnemonic', mnemonic: DEVELOPMENT_MNEMONIC });
  // Warm-up indexes sit far from the measured ones, so no later step can reuse their work.
  for (let i = 0; i < WARM_UP; i++) deriver.addressAt(1_000_000_000 + i);
  let sink = 0;
  const started = performance.now();
  for (let i = 0; i < count; i++) sink += deriver.addressAt(i).length;
  const elapsedMs = performance.now() - started;
  if (sink !== count * 42) throw new Error('an address was not 42 characters');
  return { perSecond: Math.round((count / elapsedMs) * 1000), count };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { perSecond } = measureAddressDerivation();
  console.log(`derive addresses: ${perSecond.toLocaleString('en-US')}/s`);
}
