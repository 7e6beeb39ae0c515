import { CtripError } from '../errors.ts';

/** An RFC 9457 problem document, with our stable `code` beside the standard members. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly code: string;
  readonly instance?: string;
  /** Validation problems, field by field. */
  readonly errors?: readonly { readonly field: string; readonly message: string }[];
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/**
 * The HTTP status of each error code the API can return. Domain errors carry no status of
 * their own (they do not know about HTTP); this table is the one place that decides.
 * A code missing here is answered as a 500 with no detail.
 */
const STATUS_BY_CODE: Readonly<Record<string, number>> = {
  MALFORMED_JSON: 400,
  BAD_REQUEST: 400,
  AUTH_REQUIRED: 401,
  AUTH_INVALID: 401,
  FORBIDDEN_SCOPE: 403,
  NOT_FOUND: 404,
  PAYMENT_NOT_FOUND: 404,
  WEBHOOK_ENDPOINT_NOT_FOUND: 404,
  WEBHOOK_DELIVERY_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  PAYMENT_NOT_CANCELABLE: 409,
  IDEMPOTENCY_IN_PROGRESS: 409,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  VALIDATION_FAILED: 422,
  AMOUNT_INVALID: 422,
  CHAIN_NOT_FOUND: 422,
  TOKEN_NOT_FOUND: 422,
  TOKEN_DISABLED: 422,
  PAYMENT_INVALID_EXPIRY: 422,
  PAYMENT_INVALID_REFERENCE: 422,
  IDEMPOTENCY_KEY_REUSED: 422,
  WEBHOOK_URL_INVALID: 422,
  WEBHOOK_URL_REFUSED: 422,
  WEBHOOK_EVENT_TYPE_UNKNOWN: 422,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  UNAVAILABLE: 503,
};

const TITLES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** An error raised by the HTTP layer itself (auth, idempotency, routing). */
export class HttpError extends CtripError {
  readonly errors: Problem['errors'];

  constructor(code: string, message: string, errors?: Problem['errors']) {
    super(code, message);
    this.errors = errors;
  }
}

export function statusOf(code: string): number | undefined {
  return STATUS_BY_CODE[code];
}

/**
 * The problem type of a code: a URN, stable per code, so clients may switch on it (docs/errors.md
 * lists every code). Not a URL: a gateway runs offline and has no canonical docs host.
 */
export function problemType(code: string): string {
  return `urn:ctrip:problem:${code.toLowerCase().replaceAll('_', '-')}`;
}

export function toProblem(code: string, detail: string, extra: Partial<Problem> = {}): Problem {
  const status = statusOf(code) ?? 500;
  return {
    type: problemType(code),
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    code,
    ...extra,
  };
}

/** The problem for an unexpected failure: nothing about it leaves the server. */
export function internalProblem(instance?: string): Problem {
  return toProblem('INTERNAL', 'something went wrong on our side; the request id is in the logs', {
    ...(instance ? { instance } : {}),
  });
}
