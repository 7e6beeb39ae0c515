import type { Engine } from '../src/db/engine.ts';
import { PHASES, RPC_PHASES } from './scan-probes.ts';
import type { ScanResult } from './scan-rounds.ts';

/** The targets. */
export const TARGETS = {
  /** Scanner wall time over the raw RPC calls' over the same ranges. */
  scannerOverRaw: 1.5,
  /** Per-block cost at the most open payments over that at the fewest. */
  perBlockScaling: 1.2,
} as const;

export function scannerMeetsTarget(r: ScanResult): boolean {
  return r.scannerMs / r.rawMs <= TARGETS.scannerOverRaw;
}

/** Scanner against raw RPC: wall-time medians, their ratio and the verdict. */
export function formatVerdicts(results: readonly ScanResult[]): string {
  const header = [
    'engine',
    'open payments',
    'rounds',
    'scanner ms',
    'raw RPC ms',
    'scanner/raw',
    'target',
    'verdict',
  ];
  const rows = results.map((r) => [
    r.engine,
    count(r.openPayments),
    String(r.rounds),
    r.scannerMs.toFixed(1),
    r.rawMs.toFixed(1),
    ratio(r.scannerMs / r.rawMs),
    `≤ ${TARGETS.scannerOverRaw.toFixed(1)}×`,
    scannerMeetsTarget(r) ? 'meets' : 'MISSES',
  ]);
  return formatTable([header, ...rows]);
}

/** Transfers and blocks per second from the wall-time medians; this process's CPU per scan. */
export function formatThroughput(results: readonly ScanResult[]): string {
  const header = [
    'engine',
    'open payments',
    'scanner transfers/s',
    'raw transfers/s',
    'scanner blocks/s',
    'raw blocks/s',
    'scanner ms/block',
    'scanner cpu ms',
    'raw cpu ms',
  ];
  const rows = results.map((r) => [
    r.engine,
    count(r.openPayments),
    rate(r.transfers, r.scannerMs),
    rate(r.transfers, r.rawMs),
    rate(r.blocks, r.scannerMs),
    rate(r.blocks, r.rawMs),
    (r.scannerMs / r.blocks).toFixed(2),
    r.scannerCpuMs.toFixed(0),
    r.rawCpuMs.toFixed(0),
  ]);
  return formatTable([header, ...rows]);
}

export interface Scaling {
  readonly engine: Engine;
  readonly fewest: ScanResult;
  readonly most: ScanResult;
  /** What is measured per block: the whole scan, or the scan less its RPC calls. */
  readonly basis: 'wall' | 'own';
  readonly ratio: number;
  readonly meets: boolean;
}

/**
 * The scanner's time outside RPC calls and its one full read of the watch list (which a
 * running scanner does every 10 minutes, not every few hundred blocks): its steady cost.
 */
export function ownMsOf(r: ScanResult): number {
  const rpc = RPC_PHASES.reduce((sum, p) => sum + r.phases[p], 0);
  return r.scannerMs - rpc - r.phases['sql watch list full'];
}

/**
 * Per engine: the scanner's per-block cost at the most open payments over that at the
 * fewest, on its wall time (the measure) and on its steady cost (`ownMsOf`), which
 * neither the node's noise nor the start-up read of the watch list blurs.
 */
export function scalingOf(results: readonly ScanResult[]): Scaling[] {
  const engines = [...new Set(results.map((r) => r.engine))];
  return engines.flatMap((engine) => {
    const own = results.filter((r) => r.engine === engine);
    const fewest = own[0];
    const most = own[own.length - 1];
    if (!fewest || !most || fewest === most) return [];
    return (['wall', 'own'] as const).map((basis) => {
      const ms = basis === 'wall' ? (r: ScanResult) => r.scannerMs : ownMsOf;
      const ratio = ms(most) / most.blocks / (ms(fewest) / fewest.blocks);
      return { engine, fewest, most, basis, ratio, meets: ratio <= TARGETS.perBlockScaling };
    });
  });
}

export function formatScaling(scalings: readonly Scaling[]): string {
  const header = ['engine', 'ms/block of', 'open payments', 'ms/block', 'ms/block'];
  const rows = scalings.map((s) => {
    const ms = s.basis === 'wall' ? (r: ScanResult) => r.scannerMs : ownMsOf;
    return [
      s.engine,
      s.basis === 'wall' ? 'whole scan' : 'less RPC, full list read',
      `${count(s.fewest.openPayments)} → ${count(s.most.openPayments)}`,
      (ms(s.fewest) / s.fewest.blocks).toFixed(2),
      (ms(s.most) / s.most.blocks).toFixed(2),
      ratio(s.ratio),
      `≤ ${TARGETS.perBlockScaling.toFixed(1)}×`,
      s.meets ? 'meets' : 'MISSES',
    ];
  });
  return formatTable([[...header, 'ratio', 'target', 'verdict'], ...rows], 3);
}

/** One column per (engine, open payments): the scanner's median ms by phase. */
export function formatPhases(results: readonly ScanResult[]): string {
  const header = [
    'ms (calls), median',
    ...results.map((r) => `${r.engine} ${count(r.openPayments)}`),
  ];
  const rest = (r: ScanResult) => r.scannerMs - PHASES.reduce((sum, p) => sum + r.phases[p], 0);
  const rows = [
    ['scanner, whole run', ...results.map((r) => r.scannerMs.toFixed(1))],
    ...PHASES.map((phase) => [
      phase,
      ...results.map((r) => `${r.phases[phase].toFixed(1)} (${r.phaseCalls[phase]})`),
    ]),
    ['rest: JS, BEGIN/COMMIT', ...results.map((r) => rest(r).toFixed(1))],
    ['raw RPC baseline', ...results.map((r) => r.rawMs.toFixed(1))],
  ];
  return formatTable([header, ...rows], 1);
}

function count(n: number): string {
  return n.toLocaleString('en-US');
}

function ratio(value: number): string {
  return `${value.toFixed(2)}×`;
}

function rate(items: number, ms: number): string {
  return Math.round((items * 1000) / ms).toLocaleString('en-US');
}

/** Aligned columns: the first `textColumns` to the left, the numbers to the right. */
function formatTable(rows: readonly (readonly string[])[], textColumns = 2): string {
  const widths = (rows[0] ?? []).map((_, c) =>
    Math.max(...rows.map((row) => (row[c] ?? '').length)),
  );
  const line = (row: readonly string[]) =>
    row
      .map((cell, c) =>
        c < textColumns ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0),
      )
      .join('  ');
  const [header = [], ...body] = rows;
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}
