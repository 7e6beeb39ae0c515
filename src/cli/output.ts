import { ConfigError } from '../config/errors.ts';
import { CtripError } from '../errors.ts';
import { UsageError } from './errors.ts';
import { ExitCode } from './exit-codes.ts';

export function printJson(value: unknown): void {
  process.stdout.write(
    `${JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`,
  );
}

export function printLine(line = ''): void {
  process.stdout.write(`${line}\n`);
}

export function warn(line: string): void {
  process.stderr.write(`warning: ${line}\n`);
}

/** Prints rows as aligned columns. */
export function printTable(rows: readonly (readonly string[])[]): void {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      widths[i] = Math.max(widths[i] ?? 0, cell.length);
    });
  }
  for (const row of rows) {
    printLine(
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    );
  }
}

/**
 * Turns any error into what a person at a terminal should see: one line per problem, with no
 * stack trace for the errors cTrip raises on purpose, and the exit code.
 */
export function reportError(error: unknown): number {
  if (error instanceof ConfigError) {
    for (const issue of error.issues)
      process.stderr.write(`error: ${issue.variable}: ${issue.message}\n`);
    return ExitCode.usage;
  }
  if (error instanceof UsageError) {
    process.stderr.write(`error: ${error.message}\n`);
    return ExitCode.usage;
  }
  if (error instanceof CtripError) {
    process.stderr.write(`error: ${error.message}\n`);
    return ExitCode.failure;
  }
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`error: unexpected failure: ${message}\n`);
  return ExitCode.failure;
}
