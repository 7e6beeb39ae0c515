/**
 * How many blocks one scan step reads. Providers cap eth_getLogs by range or result count;
 * when one refuses, the range halves, and after a run of successes it doubles back towards
 * the configured maximum.
 */
export interface BlockRange {
  readonly size: number;
  shrink(): void;
  succeeded(): void;
}

const SUCCESSES_BEFORE_GROWING = 5;

export function createBlockRange(max: number): BlockRange {
  let size = max;
  let successes = 0;
  return {
    get size() {
      return size;
    },
    shrink() {
      size = Math.max(1, Math.floor(size / 2));
      successes = 0;
    },
    succeeded() {
      successes += 1;
      if (successes >= SUCCESSES_BEFORE_GROWING && size < max) {
        size = Math.min(max, size * 2);
        successes = 0;
      }
    },
  };
}
