import type { LogEvent } from 'kysely';
import type { ChainClient } from '../src/chains/index.ts';

/** Where a scan spends its wall time: RPC calls by kind, SQL statements by what they do. */
export const PHASES = [
  'rpc blocks+logs',
  'rpc receipts',
  'rpc head',
  'sql watch list full',
  'sql watch list since',
  'sql transfers',
  'sql confirmations',
  'sql reconcile',
  'sql cursor+lease',
  'sql other',
] as const;
export type Phase = (typeof PHASES)[number];

export type PhaseTimes = Record<Phase, number>;

/** What a scan spent per phase: milliseconds, and calls (RPC requests or SQL statements). */
export interface PhaseTally {
  readonly ms: PhaseTimes;
  readonly calls: PhaseTimes;
}

export const RPC_PHASES: readonly Phase[] = ['rpc blocks+logs', 'rpc receipts', 'rpc head'];

/**
 * Adds up where time goes while `recording` is on. RPC time is the wall time during which
 * at least one call was in flight (the scanner reads blocks and logs concurrently), split
 * by the calls' labels; SQL time is the statements' own duration as Kysely reports it
 * (building and compiling a query, BEGIN and COMMIT fall outside it).
 */
export interface PhaseClock {
  recording: boolean;
  /** The client with its `request` timed; everything else is the client's own. */
  wrap(client: ChainClient): ChainClient;
  /** For createDatabase's `onQuery`. */
  onQuery(event: LogEvent): void;
  /** What was added up since the last take, then starts from zero. */
  take(): PhaseTally;
}

export function createPhaseClock(): PhaseClock {
  let times = emptyTimes();
  let calls = emptyTimes();
  let inFlight = 0;
  let busySince = 0;
  const labels = new Set<Phase>();
  const clock: PhaseClock = {
    recording: false,
    wrap(client) {
      const timed = async <T>(label: string, run: () => Promise<T>): Promise<T> => {
        if (!clock.recording) return run();
        const phase = rpcPhaseOf(label);
        // Overlapping calls count once, to the kind that was in flight first.
        if (inFlight === 0) {
          busySince = performance.now();
          labels.clear();
        }
        inFlight += 1;
        calls[phase] += 1;
        labels.add(phase);
        try {
          return await run();
        } finally {
          inFlight -= 1;
          if (inFlight === 0) {
            const [first = phase] = labels;
            times[first] += performance.now() - busySince;
          }
        }
      };
      return {
        ...client,
        request: (label, call) => timed(label, () => client.request(label, call)),
        refreshHeads: () => timed('eth_blockNumber', () => client.refreshHeads()),
      };
    },
    onQuery(event) {
      if (!clock.recording) return;
      const phase = sqlPhaseOf(event.query.sql);
      times[phase] += event.queryDurationMillis;
      calls[phase] += 1;
    },
    take() {
      const taken = { ms: times, calls };
      times = emptyTimes();
      calls = emptyTimes();
      return taken;
    },
  };
  return clock;
}

function emptyTimes(): PhaseTimes {
  return Object.fromEntries(PHASES.map((phase) => [phase, 0])) as PhaseTimes;
}

function rpcPhaseOf(label: string): Phase {
  if (label.startsWith('eth_getTransactionReceipt')) return 'rpc receipts';
  if (label.startsWith('eth_blockNumber')) return 'rpc head';
  return 'rpc blocks+logs';
}

const SQL_PHASES: readonly [RegExp, Phase][] = [
  [
    /^select .* from "payments" where "chain" = .* "watch_until" > .* "created_at" >=/,
    'sql watch list since',
  ],
  [/^select .* from "payments" where "chain" = .* "watch_until" >/, 'sql watch list full'],
  [/^insert into "transactions"/, 'sql transfers'],
  [/^update "transactions"/, 'sql confirmations'],
  [/"payments"|"payment_events"|from "transactions"/, 'sql reconcile'],
  [/"chain_states"|"chain_headers"|"leases"|"tokens"/, 'sql cursor+lease'],
];

function sqlPhaseOf(text: string): Phase {
  for (const [pattern, phase] of SQL_PHASES) if (pattern.test(text)) return phase;
  return 'sql other';
}
