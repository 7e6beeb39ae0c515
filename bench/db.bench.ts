/**
 * `npm run bench:db`: the project's database layer against the bare drivers, on PostgreSQL
 * and SQLite, for batched inserts and lookups by deposit address. See README.md.
 */
import type { Engine } from '../src/db/engine.ts';
import { type BenchDatabase, createBenchDatabase } from './bench-database.ts';
import { createPaymentFixtures, type PaymentFixtures } from './fixtures.ts';
import { median, peakRssMiB, type Timing } from './measure.ts';
import { createProjectWorkload } from './project-workload.ts';
import { createRawPostgresWorkload } from './raw-postgres-workload.ts';
import { createRawSqliteWorkload } from './raw-sqlite-workload.ts';
import {
  formatThroughput,
  formatVerdicts,
  meetsTarget,
  type Operation,
  type PairResult,
} from './report.ts';
import { type RoundReport, runRounds, SIDES } from './run-rounds.ts';
import type { Workload } from './workload.ts';

const PAYMENTS = 20_000;
/** Rows per INSERT statement; each statement runs in a transaction of its own. */
const BATCH_SIZE = 500;
const LOOKUPS = 1_000;
const WARM_UP_ROUNDS = 1;
const ROUNDS = 5;
/** Point lookups are repeated this often in the warm-up round (see RunRoundsParams). */
const LOOKUP_WARM_UP_PASSES = 10;
/** Lookups by address alone scan the table (milliseconds each): fewer of them, fewer rounds. */
const SCAN_LOOKUPS = 200;
const SCAN_ROUNDS = 3;
const ENGINES: readonly Engine[] = ['postgres', 'sqlite'];
/** The targets: how much slower than the bare driver the project's layer may be. */
const TARGETS: Readonly<Record<Engine, number>> = { postgres: 1.2, sqlite: 1.8 };
const OPERATIONS: readonly Operation[] = ['insert', 'lookup', 'prepared', 'scan'];
const LABELS: Record<Operation, string> = {
  insert: `insert ${PAYMENTS.toLocaleString('en-US')} (${BATCH_SIZE}/stmt, tx/stmt)`,
  lookup: `lookup ${LOOKUPS.toLocaleString('en-US')} by (chain, address)`,
  prepared: `same, prepareQuery`,
  scan: `lookup ${SCAN_LOOKUPS} by address only`,
};

/** Opens both sides on fresh databases of their own, runs every round, and cleans up. */
async function benchEngine(engine: Engine, fixtures: PaymentFixtures): Promise<PairResult[]> {
  const databases: BenchDatabase[] = [];
  const opened: Workload[] = [];
  try {
    const create = async () => {
      const database = await createBenchDatabase({
        engine,
        tokenId: fixtures.tokenId,
        chain: fixtures.chain,
      });
      databases.push(database);
      return database;
    };
    const projectDb = await create();
    const rawDb = await create();
    const project = createProjectWorkload(projectDb.settings);
    opened.push(project);
    const raw =
      engine === 'postgres'
        ? createRawPostgresWorkload({
            connectionString: rawDb.location,
            poolSize: rawDb.settings.poolSize,
          })
        : createRawSqliteWorkload({
            filename: rawDb.location,
            busyTimeoutMs: rawDb.settings.sqliteBusyTimeoutMs,
          });
    opened.push(raw);
    const samples = await runRounds({
      engine,
      sides: { project, raw },
      fixtures,
      batchSize: BATCH_SIZE,
      warmUpRounds: WARM_UP_ROUNDS,
      rounds: ROUNDS,
      lookupWarmUpPasses: LOOKUP_WARM_UP_PASSES,
      scanRounds: SCAN_ROUNDS,
      scanLookups: SCAN_LOOKUPS,
      onRound: printRound,
    });
    return OPERATIONS.map((operation) => ({
      engine,
      operation,
      items: { insert: PAYMENTS, lookup: LOOKUPS, prepared: LOOKUPS, scan: SCAN_LOOKUPS }[
        operation
      ],
      rounds: samples.project[operation].length,
      project: medianOf(samples.project[operation]),
      raw: medianOf(samples.raw[operation]),
      target: TARGETS[engine],
    }));
  } finally {
    for (const workload of opened) await workload.close();
    for (const database of databases) await database.drop();
  }
}

function medianOf(timings: readonly Timing[]): Timing {
  return {
    wallMs: median(timings.map((t) => t.wallMs)),
    cpuMs: median(timings.map((t) => t.cpuMs)),
  };
}

function printRound(report: RoundReport): void {
  const name = report.round === 0 ? 'warm-up' : `round ${report.round}/${ROUNDS}`;
  const figures = OPERATIONS.flatMap((operation) => {
    const wallMs = report.wallMs[operation];
    if (!wallMs) return [];
    return [`${operation} ${SIDES.map((side) => wallMs[side].toFixed(0)).join('/')}`];
  });
  console.log(
    `  ${report.engine.padEnd(8)} ${name.padEnd(9)} (${report.first} first)  ` +
      `project/raw ms: ${figures.join(', ')}`,
  );
}

/** `npm run bench:db -- sqlite` runs one engine; no argument runs both. */
function enginesToRun(args: readonly string[]): readonly Engine[] {
  const unknown = args.filter((a) => !(ENGINES as readonly string[]).includes(a));
  if (unknown.length > 0) {
    throw new Error(`unknown engine ${unknown.join(', ')}; expected ${ENGINES.join(' or ')}`);
  }
  return args.length === 0 ? ENGINES : ENGINES.filter((e) => args.includes(e));
}

async function main(): Promise<void> {
  const started = performance.now();
  const engines = enginesToRun(process.argv.slice(2));
  const fixtures = createPaymentFixtures({ payments: PAYMENTS, lookups: LOOKUPS });
  console.log(
    `cTrip database layer (Kysely + value codecs) vs bare drivers, node ${process.version}\n` +
      `${PAYMENTS} payments in INSERTs of ${BATCH_SIZE} rows, ${LOOKUPS} lookups of random ` +
      `deposit addresses (${SCAN_LOOKUPS} of them by address only); medians of ${ROUNDS} rounds ` +
      `(${SCAN_ROUNDS} by address only) after ${WARM_UP_ROUNDS} warm-up\n`,
  );
  const results: PairResult[] = [];
  for (const engine of engines) {
    results.push(...(await benchEngine(engine, fixtures)));
  }
  console.log(`\nwall time (median)\n${formatVerdicts(results, LABELS)}\n`);
  console.log(`throughput and this process's CPU (median)\n${formatThroughput(results, LABELS)}\n`);
  const misses = results.filter((r) => !meetsTarget(r)).length;
  console.log(
    misses === 0
      ? 'every ratio meets its target'
      : `${misses} of ${results.length} ratios miss their target (reported only: the exit code stays 0)`,
  );
  console.log(
    'by address only: no index leads with address (the unique key is (chain, address)), so ' +
      'each lookup scans the table; on SQLite executeTakeFirst() still reads every row ' +
      "(cTrip's driver runs .all()), where the bare driver's .get() stops at the match",
  );
  const seconds = (performance.now() - started) / 1000;
  console.log(`peak RSS ${peakRssMiB().toFixed(0)} MiB, total ${seconds.toFixed(1)} s`);
}

await main();
