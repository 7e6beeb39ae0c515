import { ConfigError, type ConfigIssue } from './errors.ts';
import { Secret } from './secret.ts';
import type { SettingReport } from './settings.ts';
import type { RawValue, SettingSource } from './sources.ts';

export interface SecretOptions {
  /** Non-empty: the message when the variable is missing. */
  readonly required?: string;
  readonly fallback?: string;
  readonly check?: (value: string) => string | undefined;
  /** How to print the value in `ctrip config` (e.g. a URL without its password); hidden otherwise. */
  readonly printable?: (value: string) => string;
}

/** Reads variables one by one, collecting every problem and what `ctrip config` shows. */
export class SettingsReader {
  readonly #raw: ReadonlyMap<string, RawValue>;
  readonly #issues: ConfigIssue[] = [];
  readonly #report: SettingReport[] = [];

  constructor(raw: ReadonlyMap<string, RawValue>) {
    this.#raw = raw;
  }

  string(name: string, fallback: string, check?: (value: string) => string | undefined): string {
    const raw = this.#raw.get(name);
    const value = raw?.value ?? fallback;
    this.#note(name, value, raw?.source ?? 'default', false);
    const problem = check?.(value);
    if (problem) this.#issue(name, `${problem} (got ${JSON.stringify(value)})`);
    return value;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.string(name, fallback);
    if ((allowed as readonly string[]).includes(value)) return value as T;
    this.#issue(name, `must be one of ${allowed.join(', ')} (got ${JSON.stringify(value)})`);
    return fallback;
  }

  integer(name: string, fallback: number, min: number, max: number): number {
    const text = this.string(name, String(fallback));
    const value = Number(text);
    if (!/^\d+$/.test(text.trim()) || value < min || value > max) {
      this.#issue(
        name,
        `must be a whole number from ${min} to ${max} (got ${JSON.stringify(text)})`,
      );
      return fallback;
    }
    return value;
  }

  /** true/false, also as 1/0, yes/no, on/off. */
  boolean(name: string, fallback: boolean): boolean {
    const text = this.string(name, String(fallback)).trim().toLowerCase();
    if (['true', '1', 'yes', 'on'].includes(text)) return true;
    if (['false', '0', 'no', 'off'].includes(text)) return false;
    this.#issue(name, `must be true or false (got ${JSON.stringify(text)})`);
    return fallback;
  }

  /** A secret is never echoed: problems say what is wrong, not what was given. */
  secret(name: string, options: SecretOptions = {}): Secret | undefined {
    const raw = this.#raw.get(name);
    const value = raw?.value ?? options.fallback;
    const source = raw ? raw.source : 'default';
    if (value === undefined) {
      this.#note(name, null, 'default', true);
      if (options.required) this.#issue(name, options.required);
      return undefined;
    }
    this.#note(name, options.printable ? options.printable(value) : '[redacted]', source, true);
    const problem = options.check?.(value);
    if (problem) this.#issue(name, problem);
    return new Secret(value);
  }

  /** Records that a secret took its default (which the caller supplies). */
  defaulted(name: string, value: Secret): Secret {
    const entry = this.#report.find((r) => r.variable === name);
    if (entry) Object.assign(entry, { source: 'default', value: '[development default]' });
    return value;
  }

  /** Reads a file a variable names; its problems are reported under that variable. */
  file<T>(name: string, path: string, read: (path: string) => T): T | undefined {
    try {
      return read(path);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      this.#issues.push(...error.issues);
      return undefined;
    }
  }

  /** A problem that involves more than one variable. */
  problem(variable: string, message: string): void {
    this.#issue(variable, message);
  }

  throwIfInvalid(): void {
    if (this.#issues.length > 0) throw new ConfigError(this.#issues);
  }

  report(): SettingReport[] {
    return this.#report.map((r) => Object.freeze({ ...r }));
  }

  /** `value` is already safe to print. */
  #note(variable: string, value: string | null, source: SettingSource, secret: boolean): void {
    this.#report.push({ variable, value, source, secret });
  }

  #issue(variable: string, message: string): void {
    this.#issues.push({ variable, message });
  }
}
