import { describe, expect, it } from 'vitest';
import { AmountError, formatTokenAmount, MAX_UINT256, parseTokenAmount } from './amounts.ts';

function refusal(text: string, decimals: number, allowZero = false): AmountError {
  try {
    parseTokenAmount(text, decimals, { allowZero });
  } catch (error) {
    if (error instanceof AmountError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be refused`);
}

/** A deterministic generator, so a failing case can be reproduced. */
function* randomAmounts(count: number, seed: bigint): Generator<bigint> {
  let state = seed;
  for (let i = 0; i < count; i += 1) {
    state = (state * 6364136223846793005n + 1442695040888963407n) & ((1n << 64n) - 1n);
    const bits = BigInt(Number(state % 257n));
    let value = 0n;
    for (let word = 0n; word * 64n < bits; word += 1n) {
      state = (state * 6364136223846793005n + 1442695040888963407n) & ((1n << 64n) - 1n);
      value = (value << 64n) | state;
    }
    yield value & ((1n << bits) - 1n);
  }
}

describe('parseTokenAmount', () => {
  it.each([
    ['1.5', 6, 1_500_000n],
    ['1', 6, 1_000_000n],
    ['0.000001', 6, 1n],
    ['123456.789012', 6, 123_456_789_012n],
    ['  42.1\n', 6, 42_100_000n],
    ['007.5', 6, 7_500_000n],
    ['1.5', 18, 1_500_000_000_000_000_000n],
    ['0.000000000000000001', 18, 1n],
    ['12', 0, 12n],
    ['12.000', 0, 12n],
    ['1.500000000', 6, 1_500_000n],
  ])('reads %j with %i decimals as %s base units', (text, decimals, expected) => {
    expect(parseTokenAmount(text, decimals)).toBe(expected);
  });

  it.each([
    '',
    ' ',
    '.5',
    '1.',
    '1e6',
    '1E6',
    '0x10',
    '+1',
    '1,5',
    '1 000',
    '1.2.3',
    '١',
    '１',
    'NaN',
    'Infinity',
    '--1',
    '-',
    '1_000',
  ])('refuses %j as not a decimal number', (text) => {
    const error = refusal(text, 6);
    expect(error.code).toBe('AMOUNT_INVALID');
    expect(error.reason).toBe('format');
    expect(error.details).toEqual({ reason: 'format', decimals: 6 });
    expect(error.message).toMatch(/^must be a decimal number/);
  });

  it('refuses a value that is not a string at run time (e.g. a JSON number)', () => {
    expect(() => parseTokenAmount(1.5 as unknown as string, 6)).toThrow(AmountError);
  });

  it.each(['-1', '-0.5', ' -3 '])('refuses the negative amount %j', (text) => {
    const error = refusal(text, 6);
    expect(error.reason).toBe('negative');
    expect(error.message).toBe('must not be negative');
  });

  it('says how many decimal places were given and how many the token allows', () => {
    const error = refusal('1.1234567', 6);
    expect(error.reason).toBe('too_many_decimals');
    expect(error.message).toBe('has 7 decimal places; this token allows at most 6');
    expect(refusal('1.5', 0).message).toBe('has 1 decimal place; this token allows at most 0');
  });

  it('counts only significant decimal places: trailing zeros beyond the token decimals pass', () => {
    expect(parseTokenAmount('0.0000010000', 6)).toBe(1n);
    expect(refusal('0.00000010', 6).message).toBe(
      'has 7 decimal places; this token allows at most 6',
    );
  });

  it.each(['0', '0.0', '000', '0.000000000000'])('refuses zero (%j) unless allowed', (text) => {
    expect(refusal(text, 6).reason).toBe('zero');
    expect(refusal(text, 6).message).toBe('must be greater than zero');
    expect(parseTokenAmount(text, 6, { allowZero: true })).toBe(0n);
  });

  it('accepts exactly 2^256-1 base units and refuses one more', () => {
    const max = MAX_UINT256.toString();
    expect(MAX_UINT256).toBe(2n ** 256n - 1n);
    expect(parseTokenAmount(max, 0)).toBe(MAX_UINT256);
    expect(refusal((MAX_UINT256 + 1n).toString(), 0).reason).toBe('too_large');
    expect(parseTokenAmount(formatTokenAmount(MAX_UINT256, 18), 18)).toBe(MAX_UINT256);
    expect(refusal('1'.padEnd(78, '0'), 18).reason).toBe('too_large');
  });

  it('refuses a huge run of digits as too large without converting it', () => {
    expect(refusal('9'.repeat(1_000_000), 6).reason).toBe('too_large');
    expect(parseTokenAmount(`${'0'.repeat(1000)}1`, 0)).toBe(1n);
  });

  it('does not round where a float would (0.1 + 0.2 style values stay exact)', () => {
    expect(parseTokenAmount('0.3', 18)).toBe(300_000_000_000_000_000n);
    expect(parseTokenAmount('9007199254740993', 0)).toBe(9_007_199_254_740_993n);
    expect(parseTokenAmount('1.000000000000000001', 18)).toBe(1_000_000_000_000_000_001n);
  });

  it.each([-1, 1.5, 256, Number.NaN])('treats token decimals %s as a programming error', (d) => {
    expect(() => parseTokenAmount('1', d)).toThrow(RangeError);
    expect(() => formatTokenAmount(1n, d)).toThrow(RangeError);
  });
});

describe('formatTokenAmount', () => {
  it.each([
    [1_500_000n, 6, '1.5'],
    [1n, 6, '0.000001'],
    [0n, 6, '0'],
    [0n, 0, '0'],
    [1_000_000n, 6, '1'],
    [10_000_000n, 6, '10'],
    [123_456_789_012n, 6, '123456.789012'],
    [1_500_000_000_000_000_000n, 18, '1.5'],
    [1n, 18, '0.000000000000000001'],
    [1_230n, 0, '1230'],
  ])('writes %s base units with %i decimals as %j', (value, decimals, expected) => {
    expect(formatTokenAmount(value, decimals)).toBe(expected);
  });

  it('refuses a negative value', () => {
    expect(() => formatTokenAmount(-1n, 6)).toThrow(
      expect.objectContaining({ code: 'AMOUNT_INVALID', reason: 'negative' }),
    );
  });
});

describe('round trip', () => {
  it.each([0, 6, 18, 36])('parse(format(v)) is v for many values with %i decimals', (decimals) => {
    let checked = 0;
    for (const value of randomAmounts(2000, BigInt(decimals) + 7n)) {
      const text = formatTokenAmount(value, decimals);
      expect(text).toMatch(/^(0|[1-9][0-9]*)(\.[0-9]*[1-9])?$/);
      expect(parseTokenAmount(text, decimals, { allowZero: true })).toBe(value);
      checked += 1;
    }
    for (let exponent = 0n; exponent < 78n; exponent += 1n) {
      for (const value of [10n ** exponent - 1n, 10n ** exponent, 10n ** exponent + 1n]) {
        expect(
          parseTokenAmount(formatTokenAmount(value, decimals), decimals, { allowZero: true }),
        ).toBe(value);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(2000);
  });

  it('format(parse(s)) gives the canonical form of s', () => {
    const cases: [string, number, string][] = [
      ['001.50', 6, '1.5'],
      ['1.000000', 6, '1'],
      ['0.0', 6, '0'],
      ['5', 18, '5'],
      ['00012', 0, '12'],
    ];
    for (const [text, decimals, canonical] of cases) {
      expect(
        formatTokenAmount(parseTokenAmount(text, decimals, { allowZero: true }), decimals),
      ).toBe(canonical);
    }
  });
});
