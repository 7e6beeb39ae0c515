import type { Engine } from '../engine.ts';

/**
 * Writes a compiled statement's parameters into its text, so offline SQL can be run by
 * psql or sqlite3 as it stands. Placeholders inside quoted strings and identifiers are left
 * alone.
 */
export function inlineParameters(
  engine: Engine,
  text: string,
  parameters: readonly unknown[],
): string {
  if (parameters.length === 0) return text;
  let out = '';
  let next = 0;
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (ch === "'" || ch === '"') {
      const end = closingQuote(text, i, ch);
      out += text.slice(i, end);
      i = end;
    } else if (engine === 'sqlite' && ch === '?') {
      out += literal(engine, parameters[next++]);
      i += 1;
    } else if (engine === 'postgres' && ch === '$' && /\d/.test(text[i + 1] ?? '')) {
      const digits = /^\d+/.exec(text.slice(i + 1))?.[0] ?? '';
      out += literal(engine, parameters[Number(digits) - 1]);
      i += 1 + digits.length;
    } else {
      out += ch;
      i += 1;
    }
  }
  return out;
}

function closingQuote(text: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < text.length) {
    if (text[i] === quote) {
      if (text[i + 1] === quote) i += 2;
      else return i + 1;
    } else i += 1;
  }
  return text.length;
}

function literal(engine: Engine, value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') {
    return engine === 'postgres' ? String(value) : value ? '1' : '0';
  }
  if (value instanceof Date) return quote(value.toISOString());
  if (typeof value === 'object') return quote(JSON.stringify(value));
  return quote(String(value));
}

function quote(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}
