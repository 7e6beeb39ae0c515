/**
 * `npm run bench:db`: the project's database layer against the bare drivers, on PostgreSQL
 * and SQLite, for batched inserts and point lookups by deposit address. See README.md.
 */
import type { Engine } from '../src/db/engine.ts';
import { type BenchDatabase, createBenchDatabase } from './bench-database.ts';
import { createPaymentFixtures, type PaymentFixtures, toBatches } from './fixtures.ts';
import { median, peakRssMiB, timeMs } from './measure.ts';
import { createProjectWorkload } from './project-workload.ts';
import { createRawPostgresWorkload } from './raw-postgres-workload.ts';
import { createRawSqliteWorkload } from './raw-sqlite-workload.ts';
import { formatResults, type Operation, type PairResult } from './report.ts';
import { checksumOf, type Workload } from './workload.ts';

const PAYMENTS = 20_000;
const BATCH_SIZE = 500;
const LOOKUPS = 1_000;
const WARM_UP_ROUNDS = 1;
const ROUNDS = 5;
const ENGINES: readonly Engine[] = ['postgres', 'sqlite'];
/** The targets: the project's layer may cost this much more than the bare driver. */
const TARGETS: Readonly<Record<Engine, number>> = { postgres: 1.2, sqlite: 1.8 };
const OPERATIONS: readonly Operation[] = ['insert', 'lookup'];
const LABELS: Record<Operation, string> = {
  insert: `insert ${PAYMENTS.toLocaleString('en-US')} (${BATCH_SIZE}/stmt, 1 tx/stmt)`,
  lookup: `lookup ${LOOKUPS.toLocaleString('en-US')} by address`,
};

type Side = 'project' | 'raw';
type Samples = Record<Side, Record<Operation, number[]>>;

interface Sides {
  readonly project: Workload;
  readonly raw: Workload;
}

/** Opens both sides on their own fresh databases, runs every round, and cleans up. */
async function benchEngine(engine: Engine, fixtures: PaymentFixtures): Promise<PairResult[]> {
  const databases: BenchDatabase[] = [];
  const opened: Workload[] = [];
  try {
    const create = async (label: Side) => {
      const database = await createBenchDatabase({
        engine,
        label,
        tokenId: fixtures.tokenId,
        chain: fixtures.chain,
      });
      databases.push(database);
      return database;
    };
    const projectDb = await create('project');
    const rawDb = await create('raw');
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
    const samples = await runRounds(engine, { project, raw }, fixtures);
    return OPERATIONS.map((operation) => ({
      engine,
      operation,
      items: operation === 'insert' ? PAYMENTS : LOOKUPS,
      projectMs: median(samples.project[operation]),
      rawMs: median(samples.raw[operation]),
      target: TARGETS[engine],
    }));
  } finally {
    for (const workload of opened) await workload.close();
    for (const database of databases) await database.drop();
  }
}

/**
 * Each round empties both tables, inserts every payment on each side, then looks the chosen
 * addresses up on each side. The side that goes first alternates, so neither always runs on
 * the warmer cache; warm-up rounds are run the same way and thrown away.
 */
async function runRounds(engine: Engine, sides: Sides, fixtures: PaymentFixtures) {
  const batches = toBatches(fixtures.payments, BATCH_SIZE);
  const expected = expectedChecksum(fixtures);
  const samples: Samples = {
    project: { insert: [], lookup: [] },
    raw: { insert: [], lookup: [] },
  };
  for (let round = 0; round < WARM_UP_ROUNDS + ROUNDS; round++) {
    const order: readonly Side[] = round % 2 === 0 ? ['project', 'raw'] : ['raw', 'project'];
    const times: Samples = { project: { insert: [], lookup: [] }, raw: { insert: [], lookup: [] } };
    for (const side of order) {
      await sides[side].reset();
      times[side].insert.push(await timeMs(() => sides[side].insert(batches)));
    }
    for (const side of order) {
      let checksum = 0n;
      times[side].lookup.push(
        await timeMs(async () => {
          checksum = await sides[side].lookup(fixtures.lookups);
        }),
      );
      if (checksum !== expected) {
        throw new Error(`${engine} ${side}: the lookups read other values than were inserted`);
      }
    }
    const warmUp = round < WARM_UP_ROUNDS;
    const name = warmUp ? 'warm-up' : `round ${round - WARM_UP_ROUNDS + 1}/${ROUNDS}`;
    const figures = OPERATIONS.flatMap((op) =>
      (['project', 'raw'] as const).map((side) => `${side} ${op} ${fmt(times[side][op])}`),
    );
    console.log(`  ${engine} ${name.padEnd(9)} ${order[0]} first: ${figures.join(', ')}`);
    if (warmUp) continue;
    for (const side of ['project', 'raw'] as const) {
      for (const op of OPERATIONS) samples[side][op].push(...times[side][op]);
    }
  }
  return samples;
}

function expectedChecksum(fixtures: PaymentFixtures): bigint {
  const byAddress = new Map(fixtures.payments.map((p) => [p.address, p]));
  let checksum = 0n;
  for (const address of fixtures.lookups) {
    const payment = byAddress.get(address);
    if (payment) checksum += checksumOf(payment.amount, payment.expires_at);
  }
  return checksum;
}

function fmt(values: readonly number[]): string {
  return `${(values[0] ?? Number.NaN).toFixed(0)} ms`;
}

async function main(): Promise<void> {
  const started = performance.now();
  const fixtures = createPaymentFixtures({ payments: PAYMENTS, lookups: LOOKUPS });
  console.log(
    `cTrip database layer vs bare drivers: ${PAYMENTS} payments in batches of ${BATCH_SIZE}, ` +
      `${LOOKUPS} lookups by deposit address; median of ${ROUNDS} rounds after ${WARM_UP_ROUNDS} warm-up`,
  );
  console.log(`node ${process.version}, ${process.platform}/${process.arch}\n`);
  const results: PairResult[] = [];
  for (const engine of ENGINES) {
    results.push(...(await benchEngine(engine, fixtures)));
    console.log(`  peak RSS after ${engine}: ${peakRssMiB().toFixed(0)} MiB`);
  }
  console.log(`\n${formatResults(results, LABELS)}\n`);
  const misses = results.filter((r) => r.projectMs / r.rawMs > r.target).length;
  console.log(
    misses === 0
      ? 'every ratio meets its target'
      : `${misses} of ${results.length} ratios miss their target (a benchmark: the exit code stays 0)`,
  );
  console.log(
    `peak RSS ${peakRssMiB().toFixed(0)} MiB, total ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
}

await main();
