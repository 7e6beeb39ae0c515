import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// `npm run bench:db` cannot pass --expose-gc; setting the flag before a new context is made
// exposes `gc` there. Collecting before each timed section keeps one side's garbage from
// being paid for by the other.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Runs `fn` after a full collection and returns how long it took, in milliseconds. */
export async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  gc();
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** The process's peak resident set size so far, in MiB. */
export function peakRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}
