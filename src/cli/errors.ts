import { CtripError } from '../errors.ts';

/** The command line itself is wrong: an unknown option value, a missing argument. */
export class UsageError extends CtripError {
  constructor(message: string) {
    super('CLI_USAGE', message);
  }
}
