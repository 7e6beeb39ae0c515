import {
  HttpRequestError,
  InternalRpcError,
  InvalidInputRpcError,
  LimitExceededRpcError,
  ResponseBodyTooLargeError,
  RpcRequestError,
  TimeoutError,
} from 'viem';
import { describe, expect, it } from 'vitest';
import { CtripError } from '../errors.ts';
import {
  describeRpcError,
  isEndpointFault,
  isRangeTooLargeError,
  RpcBadResponseError,
  RpcRangeTooLargeError,
} from './errors.ts';

const URL_WITH_KEY = 'https://mainnet.example.io/v3/key123?apikey=abc';

/** The error viem's http transport throws for a JSON-RPC error answer, wrapped as its client does. */
function nodeAnswered(code: number, message: string) {
  const answered = new RpcRequestError({
    body: { method: 'eth_getLogs', params: [] },
    error: { code, message },
    url: URL_WITH_KEY,
  });
  if (code === -32005) return new LimitExceededRpcError(answered);
  if (code === -32000) return new InvalidInputRpcError(answered);
  if (code === -32603) return new InternalRpcError(answered);
  return answered;
}

describe('isRangeTooLargeError', () => {
  it.each([
    [-32005, 'query returned more than 10000 results'],
    [-32000, 'query returned more than 10000 results'],
    [-32602, 'block range is too large'],
    [-32000, 'exceed maximum block range: 5000'],
    [
      -32602,
      'Log response size exceeded. You can make eth_getLogs requests with up to a 2K block range',
    ],
    [-32000, 'limit exceeded'],
    [-32005, 'something the provider made up'],
    [-32600, 'eth_getLogs range too large, max 1k blocks'],
    [-32000, 'too many blocks in range'],
  ])('recognises code %i "%s"', (code, message) => {
    expect(isRangeTooLargeError(nodeAnswered(code, message))).toBe(true);
  });

  it('recognises a refusal sent as a plain HTTP error body', () => {
    const http = new HttpRequestError({
      status: 400,
      details: 'block range is too large',
      url: URL_WITH_KEY,
    });
    expect(isRangeTooLargeError(http)).toBe(true);
  });

  it('recognises a response larger than the client accepts', () => {
    expect(isRangeTooLargeError(new ResponseBodyTooLargeError({ maxSize: 1, size: 2 }))).toBe(true);
  });

  it('does not take rate limiting for a range too large, even under -32005', () => {
    const limited = nodeAnswered(-32005, 'daily request count exceeded, request rate limited');
    expect(isRangeTooLargeError(limited)).toBe(false);
    expect(isEndpointFault(limited)).toBe(true);
  });

  it('does not take other failures for a range too large', () => {
    expect(isRangeTooLargeError(nodeAnswered(-32603, 'internal error'))).toBe(false);
    expect(isRangeTooLargeError(new Error('query returned more than 10000 results'))).toBe(false);
    expect(isRangeTooLargeError(new CtripError('RPC_UNAVAILABLE', 'x'))).toBe(false);
    const refused = new RpcRangeTooLargeError({ chain: 'c', url: 'u', label: 'l', reason: 'r' });
    expect(isRangeTooLargeError(refused)).toBe(true);
  });
});

describe('isEndpointFault', () => {
  it('fails over on transport errors, timeouts, node-side failures and malformed answers', () => {
    expect(isEndpointFault(new HttpRequestError({ status: 500, url: URL_WITH_KEY }))).toBe(true);
    expect(isEndpointFault(new TimeoutError({ body: {}, url: URL_WITH_KEY }))).toBe(true);
    expect(isEndpointFault(nodeAnswered(-32603, 'internal error'))).toBe(true);
    expect(isEndpointFault(nodeAnswered(-32000, 'missing trie node'))).toBe(true);
    expect(isEndpointFault(new RpcBadResponseError({ chain: 'c', what: 'logs' }))).toBe(true);
  });

  it("does not fail over on the request's own faults or on cTrip's own errors", () => {
    expect(isEndpointFault(nodeAnswered(3, 'execution reverted'))).toBe(false);
    expect(
      isEndpointFault(nodeAnswered(-32000, 'execution reverted: ERC20InsufficientBalance')),
    ).toBe(false);
    expect(isEndpointFault(nodeAnswered(-32602, 'invalid argument 0'))).toBe(false);
    expect(isEndpointFault(nodeAnswered(-32005, 'query returned more than 10000 results'))).toBe(
      false,
    );
    expect(isEndpointFault(new TypeError('x is undefined'))).toBe(false);
  });
});

describe('describeRpcError', () => {
  it('says what the node said, without the URL viem puts in its own message', () => {
    const error = nodeAnswered(-32000, `no backend for ${URL_WITH_KEY}.`);
    expect(error.message).toContain('key123');
    const line = describeRpcError(error);
    expect(line).toBe('RPC error -32000: no backend for https://mainnet.example.io/….');
  });

  it('names the HTTP status and the timeout', () => {
    const http = new HttpRequestError({ status: 502, details: 'Bad Gateway', url: URL_WITH_KEY });
    expect(describeRpcError(http)).toBe('HTTP request failed with status 502: Bad Gateway');
    expect(describeRpcError(new TimeoutError({ body: {}, url: URL_WITH_KEY }))).toBe(
      'request timed out',
    );
  });
});
