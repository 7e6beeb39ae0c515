import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { ConfigError } from './errors.ts';

/** Where a setting's value came from, as `ctrip config` reports it. */
export type SettingSource = 'env' | '.env' | 'default';

export interface RawValue {
  readonly value: string;
  readonly source: Exclude<SettingSource, 'default'>;
}

/**
 * Merges the process environment over an optional `.env` file. An empty string counts as
 * unset, so `FOO=` in a compose file does not override a default with nothing.
 */
export function readRawSettings(
  env: Readonly<Record<string, string | undefined>>,
  envFile: string | undefined,
): ReadonlyMap<string, RawValue> {
  const values = new Map<string, RawValue>();
  if (envFile && existsSync(envFile)) {
    let parsed: NodeJS.Dict<string>;
    try {
      parsed = parseEnv(readFileSync(envFile, 'utf8'));
    } catch (error) {
      throw new ConfigError([
        { variable: envFile, message: `cannot be read (${(error as Error).message})` },
      ]);
    }
    for (const [name, value] of Object.entries(parsed)) {
      if (value) values.set(name, { value, source: '.env' });
    }
  }
  for (const [name, value] of Object.entries(env)) {
    if (value) values.set(name, { value, source: 'env' });
  }
  return values;
}
