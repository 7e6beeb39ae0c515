import { createChainClient } from '../src/chains/index.ts';
import type { Engine } from '../src/db/engine.ts';
import { measure, median } from './measure.ts';
import type { ScanChain } from './scan-load.ts';
import { PHASES, type PhaseTally, type PhaseTimes } from './scan-probes.ts';
import { openScanSides, readRanges, type ScannerSide } from './scan-sides.ts';

export interface ScanRoundsParams {
  readonly engine: Engine;
  readonly chain: ScanChain;
  /** Blocks per scan step, and per baseline fetch. */
  readonly range: number;
  /** Open payments to measure with, each on a database of its own. */
  readonly openPayments: readonly number[];
  readonly warmUpRounds: number;
  readonly rounds: number;
  /** Told of every round's figures, warm-up included. */
  readonly onRound: (round: RoundReport) => void;
}

/** A side's name: `raw`, or the scanner at its number of open payments. */
export type SideName = 'raw' | number;

export interface RoundReport {
  readonly engine: Engine;
  /** 1-based among measured rounds; 0 for the warm-up. */
  readonly round: number;
  /** In the order they ran, with their wall times. */
  readonly sides: readonly { readonly side: SideName; readonly wallMs: number }[];
}

/** Medians of the measured rounds for the scanner at one number of open payments. */
export interface ScanResult {
  readonly engine: Engine;
  readonly openPayments: number;
  readonly rounds: number;
  readonly blocks: number;
  readonly steps: number;
  /** Transfers into watched addresses the scanner recorded (checked against the load). */
  readonly transfers: number;
  readonly scannerMs: number;
  /** The raw RPC baseline of the same rounds (shared by every number of open payments). */
  readonly rawMs: number;
  readonly scannerCpuMs: number;
  readonly rawCpuMs: number;
  /** The scanner's time by phase; what is left of `scannerMs` is JavaScript (and BEGIN/COMMIT). */
  readonly phases: PhaseTimes;
  /** RPC requests and SQL statements per phase in one scan (median). */
  readonly phaseCalls: PhaseTimes;
}

/**
 * Runs rounds of: the raw RPC calls over the load's ranges, and a scan from the load's first
 * block to caught up at each number of open payments (each on a database of its own, reset
 * before the scan, with a new scanner). The order of the sides rotates from round to round,
 * so none always runs on the warmest cache or in the same stretch of a busy machine. Throws
 * if a scanner records other transfers than the load sent or the raw calls read other
 * blocks than it mined.
 */
export async function runScanRounds(params: ScanRoundsParams): Promise<ScanResult[]> {
  const { engine, chain } = params;
  const config = chain.config(params.range);
  const client = createChainClient({
    name: config.name,
    chainId: config.chainId,
    rpcUrls: config.rpcUrls,
  });
  const ranges = rangesOf(chain.firstBlock, chain.lastBlock, params.range);
  const opened = await openScanSides({
    engine,
    chain,
    config,
    client,
    ranges,
    openPayments: params.openPayments,
  });
  try {
    const sides: SideName[] = ['raw', ...params.openPayments];
    const raw = { wallMs: [] as number[], cpuMs: [] as number[] };
    const scans = new Map<number, { wallMs: number[]; cpuMs: number[]; phases: PhaseTally[] }>(
      params.openPayments.map((n) => [n, { wallMs: [], cpuMs: [], phases: [] }]),
    );
    for (let index = 0; index < params.warmUpRounds + params.rounds; index++) {
      const warmUp = index < params.warmUpRounds;
      const order = sides.map((_, i) => sides[(i + index) % sides.length] as SideName);
      const report: { side: SideName; wallMs: number }[] = [];
      for (const side of order) {
        if (side === 'raw') {
          const timing = await measure(() => readRanges(client, opened.tokens, ranges, chain));
          report.push({ side, wallMs: timing.wallMs });
          if (!warmUp) {
            raw.wallMs.push(timing.wallMs);
            raw.cpuMs.push(timing.cpuMs);
          }
        } else {
          const scanner = opened.scanners.get(side) as ScannerSide;
          const { timing, phases } = await scanner.scanAll();
          report.push({ side, wallMs: timing.wallMs });
          const samples = scans.get(side);
          if (!warmUp && samples) {
            samples.wallMs.push(timing.wallMs);
            samples.cpuMs.push(timing.cpuMs);
            samples.phases.push(phases);
          }
        }
      }
      params.onRound({
        engine,
        round: warmUp ? 0 : index - params.warmUpRounds + 1,
        sides: report,
      });
    }
    return params.openPayments.map((openPayments) => {
      const samples = scans.get(openPayments) as {
        wallMs: number[];
        cpuMs: number[];
        phases: PhaseTally[];
      };
      return {
        engine,
        openPayments,
        rounds: params.rounds,
        blocks: Number(chain.lastBlock - chain.firstBlock + 1n),
        steps: ranges.length,
        transfers: chain.watchedNative + chain.watchedToken,
        scannerMs: median(samples.wallMs),
        rawMs: median(raw.wallMs),
        scannerCpuMs: median(samples.cpuMs),
        rawCpuMs: median(raw.cpuMs),
        phases: medianPerPhase(samples.phases.map((p) => p.ms)),
        phaseCalls: medianPerPhase(samples.phases.map((p) => p.calls)),
      };
    });
  } finally {
    await opened.close();
  }
}

function medianPerPhase(samples: readonly PhaseTimes[]): PhaseTimes {
  return Object.fromEntries(
    PHASES.map((phase) => [phase, median(samples.map((s) => s[phase]))]),
  ) as PhaseTimes;
}

/** The scanner's ranges: `size` blocks each from `first`, the last one cut at `last`. */
function rangesOf(first: bigint, last: bigint, size: number): [bigint, bigint][] {
  const ranges: [bigint, bigint][] = [];
  for (let from = first; from <= last; from += BigInt(size)) {
    const to = from + BigInt(size) - 1n;
    ranges.push([from, to < last ? to : last]);
  }
  return ranges;
}
