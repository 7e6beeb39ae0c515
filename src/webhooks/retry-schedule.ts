/**
 * When a failed delivery is tried again. Modelled on the Standard Webhooks reference
 * implementation, stretched to about three days so a receiver down over a weekend still gets
 * its events: the delay after attempt n is `RETRY_DELAYS_MS[n - 1]`, ±20 % jitter so that
 * deliveries that failed together (a receiver outage) do not all come back at the same second.
 * Ten attempts in all; the sum of the delays is 71 h 35 min 5 s before jitter.
 */
export const RETRY_DELAYS_MS: readonly number[] = [
  5_000, // 5 s
  5 * 60_000, // 5 min
  30 * 60_000, // 30 min
  2 * 3_600_000, // 2 h
  5 * 3_600_000, // 5 h
  10 * 3_600_000, // 10 h
  14 * 3_600_000, // 14 h
  20 * 3_600_000, // 20 h
  20 * 3_600_000, // 20 h
];

/** Plus or minus this share of each delay. */
export const RETRY_JITTER = 0.2;

/** A receiver's Retry-After is honoured up to this long. */
export const MAX_RETRY_AFTER_MS = 24 * 3_600_000;

/**
 * A failed attempt this long after the endpoint's previous failure begins a new run of
 * failures rather than extending the old one: longer than any wait between two attempts of a
 * delivery being retried (the longest delay with its jitter, or the longest Retry-After
 * honoured), plus an hour for workers running behind. So a dead endpoint's run never breaks
 * while a delivery to it is being retried, and a failure days ago followed by silence does not
 * count towards disabling the endpoint.
 */
export const FAILURE_RUN_GAP_MS =
  Math.max(Math.max(...RETRY_DELAYS_MS) * (1 + RETRY_JITTER), MAX_RETRY_AFTER_MS) + 3_600_000;

export interface AttemptOutcome {
  /** The receiver's status; absent when no response came. */
  readonly statusCode?: number;
  /** Set when the request failed without a full response (network error, timeout). */
  readonly error?: string;
}

/**
 * Whether an attempt that did not succeed is worth repeating: network errors, timeouts, 5xx,
 * 408 and 429. Any other status means the receiver looked at the request and refused it, and
 * the same bytes will be refused again; 3xx is among them because redirects are not followed
 * (following one would send the signed payload to a host nobody registered).
 */
export function isRetryable(outcome: AttemptOutcome): boolean {
  if (outcome.error !== undefined) return true;
  const status = outcome.statusCode;
  if (status === undefined) return true;
  return status >= 500 || status === 408 || status === 429;
}

export interface NextAttemptOptions {
  /** The delays to use instead of `RETRY_DELAYS_MS` (tests use short ones). */
  readonly schedule?: readonly number[];
  /** A number in [0, 1), `Math.random` by default. */
  readonly random?: () => number;
  /** The receiver's `Retry-After` in ms (429 and 503 only); waited for when longer. */
  readonly retryAfterMs?: number;
}

/**
 * How long to wait before the next attempt after `attempts` attempts have failed, or null when
 * the schedule is used up and the delivery has failed for good.
 */
export function nextRetryDelayMs(
  attempts: number,
  options: NextAttemptOptions = {},
): number | null {
  const schedule = options.schedule ?? RETRY_DELAYS_MS;
  const base = schedule[attempts - 1];
  if (base === undefined) return null;
  const random = options.random ?? Math.random;
  const jittered = Math.round(base * (1 - RETRY_JITTER + 2 * RETRY_JITTER * random()));
  const asked = Math.min(options.retryAfterMs ?? 0, MAX_RETRY_AFTER_MS);
  return Math.max(jittered, asked);
}

/**
 * A `Retry-After` header in ms: delay-seconds or an HTTP date. Undefined when absent or
 * malformed.
 */
export function parseRetryAfter(value: string | undefined, now: Date): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now.getTime());
}
