import { CtripError } from './errors.ts';

/** The largest amount an ERC-20 balance (a uint256) can hold, in base units. */
export const MAX_UINT256 = (1n << 256n) - 1n;

export type AmountErrorReason = 'format' | 'too_many_decimals' | 'zero' | 'negative' | 'too_large';

/** A token amount that cannot be used; the message says why and can follow a field name. */
export class AmountError extends CtripError {
  readonly reason: AmountErrorReason;

  constructor(reason: AmountErrorReason, message: string, decimals: number) {
    super('AMOUNT_INVALID', message, { details: { reason, decimals } });
    this.reason = reason;
  }
}

export interface ParseTokenAmountOptions {
  /** Accept '0' (e.g. a tolerance or a threshold); a payment amount must not be zero. */
  readonly allowZero?: boolean;
}

// ASCII digits only: \d without the u flag is ASCII too, but [0-9] says so to the reader.
const DECIMAL = /^([0-9]+)(?:\.([0-9]+))?$/;
const MAX_UINT256_DIGITS = MAX_UINT256.toString().length;

/**
 * Reads a decimal amount in token units ('1.5') as base units (1_500_000n with 6 decimals),
 * exactly: no float and no rounding. Accepts only digits with an optional fractional part
 * (surrounding white space is ignored); refuses signs, exponents, separators, a bare '.5'
 * or '1.', more significant decimal places than the token has, zero unless `allowZero`, and
 * anything above 2^256-1 base units. Throws `AmountError`.
 */
export function parseTokenAmount(
  text: string,
  decimals: number,
  options: ParseTokenAmountOptions = {},
): bigint {
  checkDecimals(decimals);
  const trimmed = typeof text === 'string' ? text.trim() : '';
  const match = DECIMAL.exec(trimmed);
  if (!match) {
    if (trimmed.startsWith('-') && DECIMAL.test(trimmed.slice(1))) {
      throw new AmountError('negative', 'must not be negative', decimals);
    }
    throw new AmountError(
      'format',
      'must be a decimal number such as 1.5 or 100 (digits and at most one dot; no sign, exponent or separators)',
      decimals,
    );
  }
  const whole = (match[1] ?? '').replace(/^0+(?=.)/, '');
  // Zeros at the end of the fraction do not change the value, so '1.500000000' fits 6 decimals.
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  if (fraction.length > decimals) {
    const places = `${fraction.length} decimal place${fraction.length === 1 ? '' : 's'}`;
    throw new AmountError(
      'too_many_decimals',
      `has ${places}; this token allows at most ${decimals}`,
      decimals,
    );
  }
  // Checked on the digits first so that a huge input is refused without building a huge bigint.
  if (whole.length > MAX_UINT256_DIGITS) throw tooLarge(decimals);
  const value = BigInt(whole + fraction.padEnd(decimals, '0'));
  if (value > MAX_UINT256) throw tooLarge(decimals);
  if (value === 0n && !options.allowZero) {
    throw new AmountError('zero', 'must be greater than zero', decimals);
  }
  return value;
}

/**
 * Writes base units as a canonical decimal string in token units: no trailing zeros, no
 * trailing '.', '0' for zero (1_500_000n with 6 decimals → '1.5'). Throws `AmountError`
 * for a negative value.
 */
export function formatTokenAmount(value: bigint, decimals: number): string {
  checkDecimals(decimals);
  if (value < 0n) throw new AmountError('negative', 'must not be negative', decimals);
  const digits = value.toString().padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  const fraction = digits.slice(digits.length - decimals).replace(/0+$/, '');
  return fraction === '' ? whole : `${whole}.${fraction}`;
}

function tooLarge(decimals: number): AmountError {
  return new AmountError(
    'too_large',
    'is too large: it exceeds 2^256-1 base units, the most a token balance can hold',
    decimals,
  );
}

// ERC-20 decimals is a uint8; anything else is a programming error, not a bad amount.
function checkDecimals(decimals: number): void {
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 255) {
    throw new RangeError(`token decimals must be a whole number from 0 to 255 (got ${decimals})`);
  }
}
