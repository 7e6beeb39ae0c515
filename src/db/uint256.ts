/** The largest value an EVM uint256 holds. */
export const UINT256_MAX = (1n << 256n) - 1n;

export function isUint256(value: unknown): value is bigint {
  return typeof value === 'bigint' && value >= 0n && value <= UINT256_MAX;
}

/**
 * Reads a canonical decimal string (no sign, no leading zeros, no exponent) as written by the
 * SQLite codec; anything else means the stored value was not written by cTrip.
 */
export function parseUint256(text: string): bigint {
  if (!/^(0|[1-9]\d*)$/.test(text)) throw new RangeError(`not a canonical uint256: ${text}`);
  const value = BigInt(text);
  if (value > UINT256_MAX) throw new RangeError('uint256 out of range');
  return value;
}
