/**
 * Where a project lookup's time goes: `node bin/run-ts.js bench/lookup-breakdown.ts`.
 * Times one lookup by (chain, address) stage by stage, on each engine, against the bare
 * driver: the whole call with and without the value-codec plugin, the query builder and
 * compiler alone, and Kysely's executor and cTrip's driver on a query compiled in advance.
 * The parts do not add up exactly (JIT and GC state differ between stages); read them as
 * where the time goes, not as an invoice.
 */
import { CompiledQuery } from 'kysely';
import type { DatabaseHandle } from '../src/db/create-database.ts';
import { createDatabase } from '../src/db/create-database.ts';
import type { Engine } from '../src/db/engine.ts';
import { createBenchDatabase } from './bench-database.ts';
import { createPaymentFixtures, type PaymentFixtures, toBatches } from './fixtures.ts';
import { measure } from './measure.ts';
import { createProjectWorkload } from './project-workload.ts';
import { createRawPostgresWorkload } from './raw-postgres-workload.ts';
import { createRawSqliteWorkload } from './raw-sqlite-workload.ts';

const PAYMENTS = 20_000;
const BATCH_SIZE = 500;
const LOOKUPS = 1_000;
/** Passes over the addresses before timing: V8 needs thousands of calls to optimize Kysely. */
const WARM_UP_PASSES = 8;
const PASSES = 7;

type Stage = (addresses: readonly string[]) => Promise<unknown>;

/**
 * Each stage, in CPU µs per lookup: the best pass, since interference from other work on the
 * machine only ever adds time.
 */
async function timeStages(stages: Record<string, Stage>, addresses: readonly string[]) {
  const names = Object.keys(stages);
  const samples = new Map<string, number[]>(names.map((n) => [n, []]));
  for (let pass = 0; pass < WARM_UP_PASSES + PASSES; pass++) {
    // Rotate the order so no stage always follows the same one.
    for (let i = 0; i < names.length; i++) {
      const name = names[(pass + i) % names.length] as string;
      const stage = stages[name] as Stage;
      const { cpuMs } = await measure(() => stage(addresses));
      if (pass >= WARM_UP_PASSES) samples.get(name)?.push((cpuMs * 1000) / addresses.length);
    }
  }
  return new Map(names.map((n) => [n, Math.min(...(samples.get(n) ?? []))]));
}

function createStages(handle: DatabaseHandle, fixtures: PaymentFixtures, raw: Stage) {
  const { db } = handle;
  const chain = fixtures.chain;
  const build = (kysely: typeof db, address: string) =>
    kysely
      .selectFrom('payments')
      .selectAll()
      .where('chain', '=', chain)
      .where('address', '=', address);
  const bare = db.withoutPlugins();
  const compiled = build(db, '').compile();
  return {
    raw,
    compile: async (addresses) => {
      for (const address of addresses) build(bare, address).compile();
    },
    executePrecompiled: async (addresses) => {
      for (const address of addresses) {
        await bare.executeQuery(CompiledQuery.raw(compiled.sql, [chain, address]));
      }
    },
    wholeWithoutPlugin: async (addresses) => {
      for (const address of addresses) await build(bare, address).executeTakeFirst();
    },
    whole: async (addresses) => {
      for (const address of addresses) await build(db, address).executeTakeFirst();
    },
  } satisfies Record<string, Stage>;
}

async function breakDown(engine: Engine, fixtures: PaymentFixtures): Promise<void> {
  const database = await createBenchDatabase({
    engine,
    tokenId: fixtures.tokenId,
    chain: fixtures.chain,
  });
  const project = createProjectWorkload(database.settings);
  const handle = createDatabase(database.settings);
  const raw =
    engine === 'postgres'
      ? createRawPostgresWorkload({ connectionString: database.location, poolSize: 2 })
      : createRawSqliteWorkload({ filename: database.location, busyTimeoutMs: 5_000 });
  try {
    await project.insert(toBatches(fixtures.payments, BATCH_SIZE));
    const stages = createStages(handle, fixtures, (addresses) =>
      raw.lookup({ addresses, chain: fixtures.chain }),
    );
    const us = await timeStages(stages, fixtures.lookups);
    const at = (name: keyof typeof stages) => us.get(name) ?? Number.NaN;
    const lines: [number, string][] = [
      [at('raw'), 'bare driver: the query, then BigInt / Date conversions by hand'],
      [at('whole'), 'project: executeTakeFirst() (builder, compile, plugin, executor, driver)'],
      [at('whole') / at('raw'), '× the bare driver'],
      [
        at('whole') - at('wholeWithoutPlugin'),
        'Δ value-codec plugin (transformQuery + transformResult)',
      ],
      [
        at('wholeWithoutPlugin') - at('raw'),
        'Δ Kysely + cTrip driver, without the plugin, of which:',
      ],
      [at('compile'), '    builder + compile alone (no execution)'],
      [at('executePrecompiled') - at('raw'), '    executor + cTrip driver on a precompiled query'],
    ];
    console.log(`\n${engine}: CPU µs per lookup by (chain, address), best of ${PASSES} passes`);
    for (const [value, name] of lines) console.log(`  ${value.toFixed(1).padStart(7)}  ${name}`);
  } finally {
    await raw.close();
    await handle.close();
    await project.close();
    await database.drop();
  }
}

const fixtures = createPaymentFixtures({ payments: PAYMENTS, lookups: LOOKUPS });
for (const engine of ['sqlite', 'postgres'] as const) await breakDown(engine, fixtures);
