import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { engines } from '../../test/database.ts';
import { startTestGateway, type TestGateway } from '../../test/gateway.ts';
import { killAllProcesses, ROOT, startProcess } from '../../test/scripts/processes.ts';
import type { ChainConfig } from '../config/chains-file.ts';
import { createDepositAddressDeriver, DEVELOPMENT_MNEMONIC } from '../wallet/index.ts';

const PROCESSES = 4;
const PER_PROCESS = 50;
const TOTAL = PROCESSES * PER_PROCESS;

// Payments are only created here, never paid: the chain is not reached, its tokens need rows.
const CHAIN: ChainConfig = {
  name: 'anvil',
  chainId: 31337,
  rpcUrls: ['http://127.0.0.1:8545'],
  confirmations: { kind: 'depth', blocks: 2 },
  reorgWindow: 16,
  pollIntervalMs: 1000,
  maxBlockRange: 50,
  startBlock: 0n,
  native: { symbol: 'ETH', decimals: 18, underpaymentTolerance: 0n, minSweep: 0n },
  tokens: [
    {
      symbol: 'USDC',
      address: '0x5fbdb2315678afecb367f032d93f642f64180aa3',
      decimals: 6,
      underpaymentTolerance: 0n,
      minSweep: 0n,
    },
  ],
};

describe.each(engines)('concurrent payment creation on %s', (engine) => {
  let gateway: TestGateway;

  beforeEach(async () => {
    gateway = await startTestGateway(engine, CHAIN);
  });
  afterEach(async () => {
    await killAllProcesses();
    await gateway?.teardown();
  });

  it('concurrent creation of 200 payments from several processes gets 200 distinct addresses and indexes', async () => {
    const env = { ...gateway.opened.database.env, MNEMONIC: DEVELOPMENT_MNEMONIC };
    const scripts = Array.from({ length: PROCESSES }, (_, i) =>
      startProcess(
        [
          'bin/run-ts.js',
          'test/scripts/create-payments.ts',
          CHAIN.name,
          i % 2 === 0 ? 'ETH' : 'USDC',
          String(PER_PROCESS),
        ],
        { env, cwd: ROOT },
      ),
    );
    await Promise.all(scripts.map((script) => script.waitForStdout('ready', 60_000)));
    // Every process is connected and waiting: they start creating at the same moment.
    for (const script of scripts) script.endInput('go\n');
    for (const script of scripts) {
      expect(await script.exited, script.output()).toEqual({ code: 0, signal: null });
      expect(script.stdout()).toContain(`created ${PER_PROCESS}`);
    }

    const rows = await gateway.db
      .selectFrom('payments')
      .select(['id', 'address', 'address_index'])
      .execute();
    expect(rows).toHaveLength(TOTAL);
    const indexes = rows.map((row) => row.address_index).sort((a, b) => (a < b ? -1 : 1));
    // None given twice and, as no creation failed, none skipped either.
    expect(indexes).toEqual(Array.from({ length: TOTAL }, (_, i) => BigInt(i)));
    expect(new Set(rows.map((row) => row.address)).size).toBe(TOTAL);
    const deriver = createDepositAddressDeriver({
      kind: 'mnemonic',
      mnemonic: DEVELOPMENT_MNEMONIC,
    });
    for (const row of rows) {
      expect(row.address, `address ${row.address_index}`).toBe(
        deriver.addressAt(Number(row.address_index)),
      );
    }

    const created = await gateway.db
      .selectFrom('payment_events')
      .select('payment_id')
      .where('type', '=', 'payment.created')
      .execute();
    expect(created).toHaveLength(TOTAL);
    expect(new Set(created.map((event) => event.payment_id))).toEqual(
      new Set(rows.map((row) => row.id)),
    );
  }, 120_000);
});
