/**
 * `npm run bench:api`: throughput and latency of creating and reading payments through the
 * real API, beside a bare Fastify route doing one comparable insert, in the same run, on
 * SQLite and PostgreSQL. The servers run as their own processes; autocannon drives them
 * from this one.
 *
 *   npm run bench:api [-- --engine=sqlite|postgres|both] [--seconds=N] [--connections=N]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { createApiKey } from '../src/api-keys/index.ts';
import { syncTokens } from '../src/chains/sync-tokens.ts';
import { loadSettings } from '../src/config/index.ts';
import type { Engine } from '../src/db/engine.ts';
import { setupMigratedDatabase } from '../test/database.ts';
import { BENCH_CHAIN, DEFAULT_STORE_ID } from './api-fixtures.ts';

const args = new Map(
  process.argv.slice(2).map((arg) => {
    const [key, value] = arg.replace(/^--/, '').split('=');
    return [key, value ?? 'true'] as const;
  }),
);
const engineArg = args.get('engine') ?? 'both';
const engines: Engine[] = engineArg === 'both' ? ['sqlite', 'postgres'] : [engineArg as Engine];
const seconds = Number(args.get('seconds') ?? 8);
const connections = Number(args.get('connections') ?? 10);
const TARGET_THROUGHPUT_RATIO = 0.5;
const TARGET_P99_MS = 50;

interface Figures {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
}

async function startServer(side: 'api' | 'bare', url: string, tokenId: string) {
  const child: ChildProcess = spawn(
    process.execPath,
    ['bin/run-ts.js', 'bench/api-server.ts', side, url],
    {
      env: { ...process.env, BENCH_TOKEN_ID: tokenId },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${side} server exited (${code})`)));
  });
  const { url: address } = JSON.parse(first) as { url: string };
  return {
    address,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function load(options: autocannon.Options, warmUp = true): Promise<Figures> {
  if (warmUp) await autocannon({ ...options, duration: 2 });
  const result = await autocannon({ ...options, duration: seconds, connections });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
  };
}

function row(name: string, f: Figures, baseline?: Figures): string {
  const ratio = baseline ? `${(f.rps / baseline.rps).toFixed(2)}×` : 'baseline';
  return `  ${name.padEnd(34)} ${f.rps.toFixed(0).padStart(7)} req/s   p50 ${String(f.p50).padStart(4)} ms   p99 ${String(f.p99).padStart(4)} ms   ${ratio}${f.errors ? `   (${f.errors} errors!)` : ''}`;
}

console.log(`bench:api — ${seconds} s per run after a 2 s warm-up, ${connections} connections`);
for (const engine of engines) {
  const { database, handle } = await setupMigratedDatabase(engine);
  const settings = loadSettings({ env: database.env, envFile: null });
  await syncTokens(handle.db, [BENCH_CHAIN]);
  const token = await handle.db
    .selectFrom('tokens')
    .select('id')
    .where('symbol', '=', 'USDC')
    .executeTakeFirstOrThrow();
  const key = await createApiKey(handle.db, {
    storeId: DEFAULT_STORE_ID,
    name: 'bench',
    scopes: ['payments:read', 'payments:write'],
    pepper: settings.secretKey,
  });
  await handle.close();

  const bare = await startServer('bare', database.url, token.id);
  const api = await startServer('api', database.url, token.id);
  try {
    const json = { 'content-type': 'application/json' };
    const auth = { authorization: `Bearer ${key.key}` };
    const body = JSON.stringify({ chain: BENCH_CHAIN.name, token: 'USDC', amount: '12.5' });
    const baseline = await load({
      url: `${bare.address}/bare`,
      method: 'POST',
      headers: json,
      body: JSON.stringify({ amount: '12500000' }),
    });
    const create = await load({
      url: `${api.address}/v1/payments`,
      method: 'POST',
      headers: { ...json, ...auth },
      body,
    });
    const created = await fetch(`${api.address}/v1/payments`, {
      method: 'POST',
      headers: { ...json, ...auth },
      body,
    });
    const { id } = (await created.json()) as { id: string };
    const read = await load({ url: `${api.address}/v1/payments/${id}`, headers: auth });
    console.log(`\n${engine}`);
    console.log(row('bare route, one INSERT', baseline));
    console.log(row('POST /v1/payments', create, baseline));
    console.log(row('GET /v1/payments/:id', read, baseline));
    const ratio = create.rps / baseline.rps;
    console.log(
      `  target: create ≥ ${TARGET_THROUGHPUT_RATIO * 100}% of the bare insert (${(ratio * 100).toFixed(0)}%: ${ratio >= TARGET_THROUGHPUT_RATIO ? 'met' : 'MISSED'}), p99 < ${TARGET_P99_MS} ms (${create.p99} ms: ${create.p99 < TARGET_P99_MS ? 'met' : 'MISSED'})`,
    );
  } finally {
    await Promise.all([bare.stop(), api.stop()]);
    await database.drop();
  }
}
