import { createPublicClient, http, type PublicClient } from 'viem';
import { readHeadBlockNumber } from './calls/get-head-block-number.ts';
import {
  describeRpcError,
  type EndpointFailure,
  isEndpointFault,
  isRangeTooLargeError,
  isRpcError,
  RpcRangeTooLargeError,
  RpcRequestRejectedError,
  RpcUnavailableError,
} from './errors.ts';
import { redactRpcUrl } from './redact-rpc-url.ts';

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_LAG_THRESHOLD_BLOCKS = 5;
const DEFAULT_COOLDOWN_MS = 5_000;
const MAX_COOLDOWN_MS = 5 * 60_000;
// Many providers cap JSON-RPC batches at 100 requests and answer more with an error.
const DEFAULT_BATCH_SIZE = 100;
// A batch of full blocks from a busy chain easily passes viem's 10 MB default.
const MAX_RESPONSE_BODY_BYTES = 128 * 1024 * 1024;

export interface ChainClientLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

export interface CreateChainClientParams {
  /** Chain name from the configuration, for messages and logs. */
  readonly name: string;
  readonly chainId: number;
  /** In priority order. */
  readonly rpcUrls: readonly string[];
  /** Per HTTP request; default 10 s. */
  readonly timeoutMs?: number;
  /** An endpoint further behind the highest head than this is passed over; default 5. */
  readonly lagThresholdBlocks?: number;
  /** First pass-over period after a failure, doubling per consecutive failure up to 5 min; default 5 s. */
  readonly cooldownMs?: number;
  /** JSON-RPC requests per batched HTTP request; default 100. */
  readonly batchSize?: number;
  readonly logger?: ChainClientLogger;
}

export interface EndpointStats {
  /** Redacted. */
  readonly url: string;
  readonly requests: number;
  readonly errors: number;
  readonly consecutiveErrors: number;
  readonly lastLatencyMs: number | null;
  readonly avgLatencyMs: number | null;
  readonly lastHead: bigint | null;
  readonly lagging: boolean;
  readonly coolingDownUntil: Date | null;
  readonly lastError: string | null;
}

/** What one endpoint gave for a call that ran on every endpoint. */
export type EndpointOutcome<T> =
  | { readonly url: string; readonly ok: true; readonly value: T }
  | { readonly url: string; readonly ok: false; readonly error: string };

export interface ChainClient {
  readonly name: string;
  readonly chainId: number;
  /**
   * Runs `call` on the first healthy endpoint in priority order; on a transport or node error or
   * a timeout, cools that endpoint down and tries the next, then the passed-over ones
   * (least-recently-failed first); throws RpcUnavailableError (retryable) when all fail. A request's
   * own fault is thrown at once: RpcRangeTooLargeError, RpcRequestRejectedError, or whatever
   * `call` threw itself.
   */
  request<T>(label: string, call: (client: PublicClient) => Promise<T>): Promise<T>;
  /** Runs `call` on every endpoint at once, for checks that must hold on each (the chain id). */
  requestEach<T>(
    label: string,
    call: (client: PublicClient) => Promise<T>,
  ): Promise<readonly EndpointOutcome<T>[]>;
  /**
   * Asks every endpoint not cooling down (all of them if none is) for its head, marks those more
   * than lagThresholdBlocks behind the highest as lagging until a later refresh shows them caught
   * up, and returns the highest head; RpcUnavailableError when none answers.
   */
  refreshHeads(): Promise<bigint>;
  stats(): readonly EndpointStats[];
}

interface Endpoint {
  readonly url: string;
  readonly client: PublicClient;
  requests: number;
  errors: number;
  consecutiveErrors: number;
  /** Cooldowns started since the last success; sets the next cooldown's length. */
  strikes: number;
  lastLatencyMs: number | null;
  latencyTotalMs: number;
  latencyCount: number;
  lastHead: bigint | null;
  lagging: boolean;
  coolingDownUntil: number | null;
  lastFailedAt: number | null;
  lastError: string | null;
}

type Attempt<T> = { ok: true; value: T } | { ok: false; error: unknown };

/** A client for one chain over several RPC endpoints, with failover, cooldowns and lag checks. */
export function createChainClient(params: CreateChainClientParams): ChainClient {
  const { name, chainId, logger } = params;
  const lagThreshold = BigInt(params.lagThresholdBlocks ?? DEFAULT_LAG_THRESHOLD_BLOCKS);
  const cooldownMs = params.cooldownMs ?? DEFAULT_COOLDOWN_MS;
  const endpoints: Endpoint[] = params.rpcUrls.map((url) => ({
    url: redactRpcUrl(url),
    client: createPublicClient({
      cacheTime: 0,
      transport: http(url, {
        timeout: params.timeoutMs ?? DEFAULT_TIMEOUT_MS,
        retryCount: 0,
        batch: { batchSize: params.batchSize ?? DEFAULT_BATCH_SIZE, wait: 0 },
        maxResponseBodySize: MAX_RESPONSE_BODY_BYTES,
      }),
    }),
    requests: 0,
    errors: 0,
    consecutiveErrors: 0,
    strikes: 0,
    lastLatencyMs: null,
    latencyTotalMs: 0,
    latencyCount: 0,
    lastHead: null,
    lagging: false,
    coolingDownUntil: null,
    lastFailedAt: null,
    lastError: null,
  }));

  const isCooling = (endpoint: Endpoint, now: number) =>
    endpoint.coolingDownUntil !== null && endpoint.coolingDownUntil > now;

  function markAnswered(endpoint: Endpoint, startedAt: number): void {
    const latency = Math.round(performance.now() - startedAt);
    endpoint.lastLatencyMs = latency;
    endpoint.latencyTotalMs += latency;
    endpoint.latencyCount += 1;
    if (endpoint.consecutiveErrors > 0) {
      logger?.info({ chain: name, url: endpoint.url }, 'rpc endpoint answers again');
    }
    endpoint.consecutiveErrors = 0;
    endpoint.strikes = 0;
    endpoint.coolingDownUntil = null;
  }

  function markFailed(endpoint: Endpoint, label: string, error: unknown): void {
    const now = Date.now();
    endpoint.errors += 1;
    endpoint.consecutiveErrors += 1;
    endpoint.lastFailedAt = now;
    endpoint.lastError = describeRpcError(error);
    // Parallel calls failing on the same endpoint must not double its cooldown once each.
    if (!isCooling(endpoint, now)) {
      const period = Math.min(cooldownMs * 2 ** endpoint.strikes, MAX_COOLDOWN_MS);
      endpoint.strikes += 1;
      endpoint.coolingDownUntil = now + period;
    }
    logger?.warn(
      {
        chain: name,
        url: endpoint.url,
        label,
        error: endpoint.lastError,
        consecutiveErrors: endpoint.consecutiveErrors,
        coolingDownUntil: new Date(endpoint.coolingDownUntil ?? now).toISOString(),
      },
      'rpc endpoint failed; passing it over',
    );
  }

  /** Runs `call` on one endpoint; a failure that is the request's own is thrown, not returned. */
  async function attempt<T>(
    endpoint: Endpoint,
    label: string,
    call: (client: PublicClient) => Promise<T>,
  ): Promise<Attempt<T>> {
    endpoint.requests += 1;
    const startedAt = performance.now();
    try {
      const value = await call(endpoint.client);
      markAnswered(endpoint, startedAt);
      return { ok: true, value };
    } catch (error) {
      if (isEndpointFault(error)) {
        markFailed(endpoint, label, error);
        return { ok: false, error };
      }
      if (!isRpcError(error)) throw error;
      markAnswered(endpoint, startedAt);
      // viem's messages carry the full URL: the error we throw names only the redacted one.
      const refused = { chain: name, url: endpoint.url, label, reason: describeRpcError(error) };
      throw isRangeTooLargeError(error)
        ? new RpcRangeTooLargeError({ ...refused, cause: error })
        : new RpcRequestRejectedError({ ...refused, cause: error });
    }
  }

  /** Healthy endpoints in priority order, then the passed-over ones, least-recently-failed first. */
  function requestOrder(): Endpoint[] {
    const now = Date.now();
    const healthy = endpoints.filter((e) => !e.lagging && !isCooling(e, now));
    const passedOver = endpoints
      .filter((e) => !healthy.includes(e))
      .sort((a, b) => (a.lastFailedAt ?? 0) - (b.lastFailedAt ?? 0));
    return [...healthy, ...passedOver];
  }

  function unavailable(failures: { endpoint: Endpoint; error: unknown }[]): RpcUnavailableError {
    return new RpcUnavailableError({
      chain: name,
      failures: failures.map(({ endpoint, error }) => ({
        url: endpoint.url,
        error: describeRpcError(error),
      })) satisfies EndpointFailure[],
      cause: failures.at(-1)?.error,
    });
  }

  async function request<T>(label: string, call: (client: PublicClient) => Promise<T>) {
    const failures: { endpoint: Endpoint; error: unknown }[] = [];
    for (const endpoint of requestOrder()) {
      const result = await attempt(endpoint, label, call);
      if (result.ok) return result.value;
      failures.push({ endpoint, error: result.error });
    }
    throw unavailable(failures);
  }

  async function requestEach<T>(label: string, call: (client: PublicClient) => Promise<T>) {
    return Promise.all(
      endpoints.map(async (endpoint): Promise<EndpointOutcome<T>> => {
        const result = await attempt(endpoint, label, call);
        return result.ok
          ? { url: endpoint.url, ok: true, value: result.value }
          : { url: endpoint.url, ok: false, error: describeRpcError(result.error) };
      }),
    );
  }

  async function refreshHeads(): Promise<bigint> {
    const now = Date.now();
    const awake = endpoints.filter((e) => !isCooling(e, now));
    const probed = awake.length > 0 ? awake : endpoints;
    const results = await Promise.all(
      probed.map((endpoint) =>
        attempt(endpoint, 'eth_blockNumber', (client) => readHeadBlockNumber(client, name)),
      ),
    );
    const failures: { endpoint: Endpoint; error: unknown }[] = [];
    const answered: Endpoint[] = [];
    for (const [i, endpoint] of probed.entries()) {
      const result = results[i];
      if (!result?.ok) failures.push({ endpoint, error: result?.error });
      else {
        endpoint.lastHead = result.value;
        answered.push(endpoint);
      }
    }
    if (answered.length === 0) throw unavailable(failures);
    let highest = 0n;
    for (const endpoint of answered) {
      if (endpoint.lastHead !== null && endpoint.lastHead > highest) highest = endpoint.lastHead;
    }
    for (const endpoint of answered) {
      const head = endpoint.lastHead ?? 0n;
      const lagging = highest - head > lagThreshold;
      if (lagging !== endpoint.lagging) {
        const fields = {
          chain: name,
          url: endpoint.url,
          head: String(head),
          highest: String(highest),
        };
        logger?.info(fields, lagging ? 'rpc endpoint lagging' : 'rpc endpoint caught up');
      }
      endpoint.lagging = lagging;
    }
    return highest;
  }

  function stats(): readonly EndpointStats[] {
    const now = Date.now();
    return endpoints.map((e) => ({
      url: e.url,
      requests: e.requests,
      errors: e.errors,
      consecutiveErrors: e.consecutiveErrors,
      lastLatencyMs: e.lastLatencyMs,
      avgLatencyMs: e.latencyCount > 0 ? Math.round(e.latencyTotalMs / e.latencyCount) : null,
      lastHead: e.lastHead,
      lagging: e.lagging,
      coolingDownUntil:
        e.coolingDownUntil !== null && isCooling(e, now) ? new Date(e.coolingDownUntil) : null,
      lastError: e.lastError,
    }));
  }

  return { name, chainId, request, requestEach, refreshHeads, stats };
}
