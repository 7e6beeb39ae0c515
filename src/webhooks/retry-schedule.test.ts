import { describe, expect, it } from 'vitest';
import {
  isRetryable,
  MAX_RETRY_AFTER_MS,
  nextRetryDelayMs,
  parseRetryAfter,
  RETRY_DELAYS_MS,
} from './retry-schedule.ts';

const HOUR = 3_600_000;

describe('the retry schedule', () => {
  it('retries the first time within seconds and gives up after about three days', () => {
    const middle = () => 0.5; // no jitter
    expect(nextRetryDelayMs(1, { random: middle })).toBe(5_000);
    const delays: number[] = [];
    for (let attempt = 1; ; attempt++) {
      const delay = nextRetryDelayMs(attempt, { random: middle });
      if (delay === null) break;
      delays.push(delay);
    }
    expect(delays).toEqual(RETRY_DELAYS_MS);
    expect(delays).toHaveLength(9); // ten attempts in all
    const total = delays.reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThan(66 * HOUR);
    expect(total).toBeLessThan(78 * HOUR);
    // Never shorter than the step before: a receiver that stays down is asked less and less.
    for (let i = 1; i < delays.length; i++) {
      expect(delays[i]).toBeGreaterThanOrEqual(delays[i - 1] as number);
    }
  });

  it('spreads each delay by ±20 %', () => {
    expect(nextRetryDelayMs(2, { random: () => 0 })).toBe(240_000);
    expect(nextRetryDelayMs(2, { random: () => 0.999999 })).toBeCloseTo(360_000, -1);
    const seen = new Set(Array.from({ length: 50 }, () => nextRetryDelayMs(4)));
    expect(seen.size).toBeGreaterThan(10);
    for (const delay of seen) {
      expect(delay).toBeGreaterThanOrEqual(0.8 * 2 * HOUR);
      expect(delay).toBeLessThanOrEqual(1.2 * 2 * HOUR);
    }
  });

  it('waits for a longer Retry-After, capped at a day, and never retries sooner than planned', () => {
    const middle = () => 0.5;
    expect(nextRetryDelayMs(1, { random: middle, retryAfterMs: 60_000 })).toBe(60_000);
    expect(nextRetryDelayMs(1, { random: middle, retryAfterMs: 1_000 })).toBe(5_000);
    expect(nextRetryDelayMs(1, { random: middle, retryAfterMs: 30 * 86_400_000 })).toBe(
      MAX_RETRY_AFTER_MS,
    );
    expect(nextRetryDelayMs(10, { random: middle, retryAfterMs: 60_000 })).toBeNull();
  });

  it('uses a schedule given instead (tests), with the same end', () => {
    expect(nextRetryDelayMs(1, { schedule: [0, 0] })).toBe(0);
    expect(nextRetryDelayMs(3, { schedule: [0, 0] })).toBeNull();
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = new Date('2030-01-01T00:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Tue, 01 Jan 2030 00:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Mon, 31 Dec 2029 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe('isRetryable', () => {
  it.each([500, 502, 503, 504, 408, 429])('retries status %i', (statusCode) => {
    expect(isRetryable({ statusCode })).toBe(true);
  });

  it.each([301, 302, 307, 308, 400, 401, 403, 404, 410, 413, 422])(
    'does not retry status %i',
    (statusCode) => {
      expect(isRetryable({ statusCode })).toBe(false);
    },
  );

  it('retries network errors and timeouts', () => {
    expect(isRetryable({ error: 'ECONNREFUSED: connect ECONNREFUSED 10.0.0.1:443' })).toBe(true);
    expect(
      isRetryable({ statusCode: 200, error: 'TIMEOUT: no complete response within 10000 ms' }),
    ).toBe(true);
  });
});
