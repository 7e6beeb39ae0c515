import type { Engine } from '../src/db/engine.ts';

/** Inserting every payment, point lookups by (chain, address), lookups by address alone. */
export type Operation = 'insert' | 'lookup' | 'prepared' | 'scan';

/** The medians of one (engine × operation) pair and what they are judged against. */
export interface PairResult {
  readonly engine: Engine;
  readonly operation: Operation;
  /** What one run of the operation handles: rows inserted, or lookups made. */
  readonly items: number;
  readonly rounds: number;
  readonly project: MedianTiming;
  readonly raw: MedianTiming;
  /** The largest project/raw ratio that meets the target. */
  readonly target: number;
}

export interface MedianTiming {
  readonly wallMs: number;
  readonly cpuMs: number;
}

export function meetsTarget(result: PairResult): boolean {
  return result.project.wallMs / result.raw.wallMs <= result.target;
}

/** Wall-clock medians, their ratio and the verdict: one row per pair. */
export function formatVerdicts(results: readonly PairResult[], labels: Record<Operation, string>) {
  const header = [
    'engine',
    'operation',
    'rounds',
    'project ms',
    'raw ms',
    'project/raw',
    'target',
    'verdict',
  ];
  const rows = results.map((r) => [
    r.engine,
    labels[r.operation],
    String(r.rounds),
    r.project.wallMs.toFixed(1),
    r.raw.wallMs.toFixed(1),
    `${(r.project.wallMs / r.raw.wallMs).toFixed(2)}×`,
    `≤ ${r.target.toFixed(1)}×`,
    meetsTarget(r) ? 'meets' : 'MISSES',
  ]);
  return formatTable([header, ...rows]);
}

/** Throughput from the wall-clock medians, and this process's CPU time (its own share). */
export function formatThroughput(
  results: readonly PairResult[],
  labels: Record<Operation, string>,
) {
  const header = [
    'engine',
    'operation',
    'project rows/s',
    'raw rows/s',
    'project cpu ms',
    'raw cpu ms',
    'cpu µs/row extra',
  ];
  const rows = results.map((r) => [
    r.engine,
    labels[r.operation],
    formatRate(r.items, r.project.wallMs),
    formatRate(r.items, r.raw.wallMs),
    r.project.cpuMs.toFixed(1),
    r.raw.cpuMs.toFixed(1),
    (((r.project.cpuMs - r.raw.cpuMs) * 1000) / r.items).toFixed(1),
  ]);
  return formatTable([header, ...rows]);
}

/** Items per second, with thousands separators. */
function formatRate(items: number, ms: number): string {
  return Math.round((items * 1000) / ms).toLocaleString('en-US');
}

/** Aligned columns: the first two to the left, numbers to the right. */
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
