import type { Engine } from '../src/db/engine.ts';

export type Operation = 'insert' | 'lookup';

/** The medians of one (engine × operation) pair and what they are judged against. */
export interface PairResult {
  readonly engine: Engine;
  readonly operation: Operation;
  /** What one run of the operation handles: rows inserted, or lookups made. */
  readonly items: number;
  readonly projectMs: number;
  readonly rawMs: number;
  /** The largest project/raw ratio that meets the target. */
  readonly target: number;
}

const HEADER = [
  'engine',
  'operation',
  'project ms',
  'raw ms',
  'project/raw',
  'target',
  'verdict',
  'project rows/s',
  'raw rows/s',
] as const;

/** The results as an aligned plain-text table, one row per pair. */
export function formatResults(results: readonly PairResult[], labels: Record<Operation, string>) {
  const rows = results.map((r) => {
    const ratio = r.projectMs / r.rawMs;
    return [
      r.engine,
      labels[r.operation],
      r.projectMs.toFixed(1),
      r.rawMs.toFixed(1),
      `${ratio.toFixed(2)}×`,
      `≤ ${r.target.toFixed(1)}×`,
      ratio <= r.target ? 'meets' : 'MISSES',
      formatRate(r.items, r.projectMs),
      formatRate(r.items, r.rawMs),
    ];
  });
  return formatTable([[...HEADER], ...rows]);
}

/** Rows per second, with thousands separators. */
export function formatRate(items: number, ms: number): string {
  return Math.round((items * 1000) / ms).toLocaleString('en-US');
}

function formatTable(rows: readonly (readonly string[])[]): string {
  const widths = (rows[0] ?? []).map((_, c) =>
    Math.max(...rows.map((row) => (row[c] ?? '').length)),
  );
  const line = (row: readonly string[]) =>
    row
      .map((cell, c) => (c < 2 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0)))
      .join('  ');
  const [header = [], ...body] = rows;
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}
