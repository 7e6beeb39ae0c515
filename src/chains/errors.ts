import {
  BaseError,
  HttpRequestError,
  ResponseBodyTooLargeError,
  RpcError,
  RpcRequestError,
  TimeoutError,
} from 'viem';
import { CtripError, messageOf } from '../errors.ts';
import { redactUrlsInText } from './redact-rpc-url.ts';

/** What one endpoint said when it failed, URL already redacted. */
export interface EndpointFailure {
  readonly url: string;
  readonly error: string;
}

/** No endpoint of a chain could serve a request; a later try may find one back. */
export class RpcUnavailableError extends CtripError {
  constructor(params: { chain: string; failures: readonly EndpointFailure[]; cause?: unknown }) {
    const last = params.failures.at(-1);
    const reason = last ? `${last.url}: ${last.error}` : 'no endpoint answered';
    super('RPC_UNAVAILABLE', `every RPC endpoint of chain ${params.chain} failed: ${reason}`, {
      details: { chain: params.chain, failures: params.failures },
      cause: params.cause,
      retryable: true,
    });
  }
}

interface RefusedRequestParams {
  readonly chain: string;
  readonly url: string;
  readonly label: string;
  readonly reason: string;
  readonly cause?: unknown;
}

/** The provider refused a range or result set as too large: ask again for a smaller range. */
export class RpcRangeTooLargeError extends CtripError {
  constructor(params: RefusedRequestParams) {
    const { cause, ...details } = params;
    super(
      'RPC_RANGE_TOO_LARGE',
      `${params.url} refused ${params.label} on chain ${params.chain} as too large: ${params.reason}`,
      { details, cause },
    );
  }
}

/** The node rejected the request itself (a revert, invalid params): another endpoint would too. */
export class RpcRequestRejectedError extends CtripError {
  constructor(params: RefusedRequestParams) {
    const { cause, ...details } = params;
    super(
      'RPC_REQUEST_REJECTED',
      `${params.url} rejected ${params.label} on chain ${params.chain}: ${params.reason}`,
      { details, cause },
    );
  }
}

/** An endpoint serves another chain than the configuration says. */
export class ChainIdMismatchError extends CtripError {
  constructor(params: { chain: string; url: string; expected: number; actual: number }) {
    super(
      'CHAIN_ID_MISMATCH',
      `chain ${params.chain} expects chain id ${params.expected}, but ${params.url} serves chain id ${params.actual}`,
      { details: params },
    );
  }
}

/** A block the request needs is not (yet) on the endpoint, e.g. it is beyond the head. */
export class RpcBlockUnavailableError extends CtripError {
  constructor(params: { chain: string; block: bigint | string; url?: string }) {
    super(
      'RPC_BLOCK_UNAVAILABLE',
      `block ${params.block} of chain ${params.chain} is not available`,
      {
        details: { ...params, block: String(params.block) },
        retryable: true,
      },
    );
  }
}

/** An endpoint answered something malformed; the client fails over as for a transport error. */
export class RpcBadResponseError extends CtripError {
  constructor(params: { chain: string; what: string }) {
    super(
      'RPC_BAD_RESPONSE',
      `malformed ${params.what} from an RPC endpoint of chain ${params.chain}`,
      {
        details: params,
        retryable: true,
      },
    );
  }
}

// Seen in the wild from geth, Erigon, Infura, Alchemy, QuickNode, Ankr and public endpoints.
const RANGE_TOO_LARGE = [
  /query returned more than \d+ results/i,
  /block range (is )?too (large|wide|big)/i,
  /exceeds? (the )?max(imum)? block range/i,
  /log response size exceeded/i,
  /response size (is )?(too large|exceeded)/i,
  /limit exceeded/i,
  /range too (large|wide|big)/i,
  /too many blocks/i,
  /max(imum)? results/i,
];
// -32005 and "limit exceeded" also mean rate limiting on some providers: that is the endpoint's
// state, not the range's, so it fails over instead of making the scanner shrink its range.
const RATE_LIMITED =
  /rate.?limit|too many requests|request rate|daily request|compute units|credits/i;
const EXECUTION_REVERTED = 3;
const INVALID_PARAMS = -32602;

/** The JSON-RPC error a node answered, if that is what `error` comes from. */
export function jsonRpcErrorOf(error: unknown): { code: number; message: string } | null {
  if (!(error instanceof BaseError)) return null;
  const rpc = error.walk((e) => e instanceof RpcRequestError);
  return rpc instanceof RpcRequestError ? { code: rpc.code, message: rpc.details } : null;
}

function reasonText(error: BaseError): string {
  const http = error.walk((e) => e instanceof HttpRequestError);
  return `${error.details ?? ''} ${http instanceof HttpRequestError ? http.details : ''}`;
}

/** Whether the provider refused the request because its block range or result set is too large. */
export function isRangeTooLargeError(error: unknown): boolean {
  if (error instanceof CtripError) return error.code === 'RPC_RANGE_TOO_LARGE';
  if (!(error instanceof BaseError)) return false;
  if (error.walk((e) => e instanceof ResponseBodyTooLargeError)) return true;
  const text = reasonText(error);
  if (RATE_LIMITED.test(text)) return false;
  if (jsonRpcErrorOf(error)?.code === -32005) return true;
  return RANGE_TOO_LARGE.some((pattern) => pattern.test(text));
}

/** Whether `error` came from the transport or the node (as opposed to cTrip's own code). */
export function isRpcError(error: unknown): error is BaseError {
  return (
    error instanceof BaseError &&
    error.walk(
      (e) =>
        e instanceof HttpRequestError ||
        e instanceof TimeoutError ||
        e instanceof RpcRequestError ||
        e instanceof RpcError ||
        e instanceof ResponseBodyTooLargeError,
    ) !== null
  );
}

/**
 * Whether another endpoint may succeed where this one failed: transport errors, timeouts, HTTP
 * errors and node-side failures. A range too large, a revert or invalid params are the request's.
 */
export function isEndpointFault(error: unknown): boolean {
  if (error instanceof RpcBadResponseError) return true;
  if (!isRpcError(error) || isRangeTooLargeError(error)) return false;
  const rpc = jsonRpcErrorOf(error);
  if (!rpc) return true;
  if (rpc.code === EXECUTION_REVERTED || rpc.code === INVALID_PARAMS) return false;
  return !/revert/i.test(rpc.message);
}

/** One short line saying why a request failed, with no URL beyond its redacted form. */
export function describeRpcError(error: unknown): string {
  let text: string;
  if (error instanceof TimeoutError) text = 'request timed out';
  else if (error instanceof BaseError && !(error instanceof CtripError)) {
    const rpc = jsonRpcErrorOf(error);
    const http = error.walk((e) => e instanceof HttpRequestError);
    if (error.walk((e) => e instanceof TimeoutError)) text = 'request timed out';
    else if (rpc) text = `RPC error ${rpc.code}: ${rpc.message}`;
    else if (http instanceof HttpRequestError) {
      const status = http.status ? ` with status ${http.status}` : '';
      text = `HTTP request failed${status}: ${http.details}${systemCodeOf(http)}`;
    } else text = `${error.shortMessage} ${error.details ?? ''}`;
  } else text = messageOf(error);
  const line = redactUrlsInText(text).replace(/\s+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 299)}…` : line;
}

/** `fetch failed` alone says little; the socket error beneath it (ECONNREFUSED) says more. */
function systemCodeOf(error: Error): string {
  let cause: unknown = error.cause;
  for (let depth = 0; cause instanceof Error && depth < 5; depth += 1) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string') return ` (${code})`;
    cause = cause.cause;
  }
  return '';
}

/** The chains file gives a known token other decimals than it had: stored amounts would change meaning. */
export class TokenDecimalsChangedError extends CtripError {
  constructor(token: string, stored: number, configured: number) {
    super(
      'TOKEN_DECIMALS_CHANGED',
      `token ${token} has ${stored} decimals in the database but ${configured} in the chains file; amounts already stored would change meaning. Fix the chains file (a token with other decimals needs another contract address)`,
      { details: { token, stored, configured } },
    );
  }
}
