import pino, { type Logger } from 'pino';
import type { LogLevel } from './config/settings.ts';

export type { Logger };

/**
 * The process logger: one JSON event per line on stderr, so stdout stays for command output.
 * Fields that could carry a secret are censored whatever a caller passes.
 */
export function createLogger(level: LogLevel): Logger {
  return pino(
    {
      level,
      base: undefined,
      redact: {
        paths: [
          'secret',
          'secretKey',
          'privateKey',
          'password',
          'mnemonic',
          'apiKey',
          'authorization',
          '*.secret',
          '*.password',
          '*.privateKey',
          '*.connectionString',
        ],
        censor: '[redacted]',
      },
    },
    pino.destination(2),
  );
}
