/**
 * The base of every error cTrip raises on purpose. `code` is stable and listed in
 * docs/errors.md; the HTTP layer maps it to a problem document, the CLI to one line and an
 * exit code, workers use `retryable` to decide whether to try again.
 */
export class CtripError extends Error {
  readonly code: string;
  readonly details: Readonly<Record<string, unknown>>;
  readonly retryable: boolean;

  constructor(
    code: string,
    message: string,
    options: { details?: Record<string, unknown>; cause?: unknown; retryable?: boolean } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = Object.freeze({ ...options.details });
    this.retryable = options.retryable ?? false;
  }
}

/** The message of whatever was thrown, for wrapping foreign errors. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
