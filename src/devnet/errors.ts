import { CtripError } from '../errors.ts';

export type DevnetErrorCode =
  | 'DEVNET_START_FAILED'
  | 'DEVNET_ALREADY_RUNNING'
  | 'DEVNET_NOT_RUNNING'
  | 'DEVNET_WRONG_CHAIN'
  | 'DEVNET_NOTHING_TO_PAY'
  | 'DEVNET_TOKEN_MISSING'
  | 'DEVNET_PAYMENT_FAILED';

/** The embedded development chain could not start, or cannot do what was asked of it. */
export class DevnetError extends CtripError {
  declare readonly code: DevnetErrorCode;

  constructor(
    code: DevnetErrorCode,
    message: string,
    options: { details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(code, message, options);
  }
}

/** `ctrip devnet …` needs the chain a running gateway started, and finds none. */
export class DevnetNotRunningError extends DevnetError {
  constructor(dataDir: string) {
    super('DEVNET_NOT_RUNNING', 'no devnet is running; start the gateway with npm start', {
      details: { dataDir },
    });
  }
}
