/**
 * One side of `npm run bench:api`, run as its own process so the load generator does not
 * share its event loop: `api` serves the real gateway app; `bare` serves one Fastify route
 * that inserts a comparable payments row with the raw driver (the baseline).
 *
 *   node bin/run-ts.js bench/api-server.ts <api|bare> <DATABASE_URL_DEV>
 *
 * Prints one JSON line `{ "url": … }` once listening; stops on SIGTERM.
 */
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import pg from 'pg';
import { loadSettings } from '../src/config/index.ts';
import { createDatabase } from '../src/db/create-database.ts';
import { newId } from '../src/db/ids.ts';
import { buildApp } from '../src/http/app.ts';
import { createLogger } from '../src/logger.ts';
import { createDepositAddressDeriver, DEVELOPMENT_MNEMONIC } from '../src/wallet/index.ts';
import { BENCH_CHAIN, DEFAULT_STORE_ID } from './api-fixtures.ts';

const [side, url] = process.argv.slice(2);
if ((side !== 'api' && side !== 'bare') || !url) {
  console.error('usage: api-server.ts <api|bare> <database url>');
  process.exit(2);
}
const settings = loadSettings({
  env: {
    ENV: 'testing',
    DATABASE_URL_DEV: url,
    LOG_LEVEL: 'silent',
    RATE_LIMIT_PER_MINUTE: '1000000',
  },
  envFile: null,
});

let close: () => Promise<void>;
let address: string;
if (side === 'api') {
  const database = createDatabase(settings.database);
  const app = await buildApp({
    db: database.db,
    settings,
    logger: createLogger('silent'),
    deriver: createDepositAddressDeriver({ kind: 'mnemonic', mnemonic: DEVELOPMENT_MNEMONIC }),
    chains: [BENCH_CHAIN],
  });
  address = await app.listen({ host: '127.0.0.1', port: 0 });
  close = async () => {
    await app.close();
    await database.close();
  };
} else {
  const app = Fastify({ logger: false });
  const target = settings.database.target;
  const tokenId = process.env.BENCH_TOKEN_ID as string;
  let index = 10_000_000;
  const expires = () => new Date(Date.now() + 1_800_000);
  const columns =
    'id, store_id, token_id, chain, address, address_index, amount, expires_at, watch_until';
  if (target.engine === 'sqlite') {
    const db = new Database(target.filename);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    const insert = db.prepare(
      `insert into payments (${columns}) values (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    app.post('/bare', async (request) => {
      const body = request.body as { amount: string };
      const id = newId();
      insert.run(
        id,
        DEFAULT_STORE_ID,
        tokenId,
        BENCH_CHAIN.name,
        `0x${randomBytes(20).toString('hex')}`,
        index++,
        body.amount,
        expires().toISOString(),
        expires().toISOString(),
      );
      return { id };
    });
    close = async () => {
      await app.close();
      db.close();
    };
  } else {
    const pool = new pg.Pool({ connectionString: url, max: 20 });
    app.post('/bare', async (request) => {
      const body = request.body as { amount: string };
      const id = newId();
      await pool.query(
        `insert into payments (${columns}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          id,
          DEFAULT_STORE_ID,
          tokenId,
          BENCH_CHAIN.name,
          `0x${randomBytes(20).toString('hex')}`,
          index++,
          body.amount,
          expires(),
          expires(),
        ],
      );
      return { id };
    });
    close = async () => {
      await app.close();
      await pool.end();
    };
  }
  address = await app.listen({ host: '127.0.0.1', port: 0 });
}
process.stdout.write(`${JSON.stringify({ url: address })}\n`);
process.once('SIGTERM', () => {
  void close().then(() => process.exit(0));
});
