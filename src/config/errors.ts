import { CtripError } from '../errors.ts';

export interface ConfigIssue {
  /** The environment variable (or file) the problem is in. */
  readonly variable: string;
  /** What is wrong, without the value when the value is secret. */
  readonly message: string;
}

/** One or more settings are invalid; the process must not start. */
export class ConfigError extends CtripError {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super('CONFIG_INVALID', issues.map((i) => `${i.variable}: ${i.message}`).join('\n'), {
      details: { variables: issues.map((i) => i.variable) },
    });
    this.issues = issues;
  }
}
