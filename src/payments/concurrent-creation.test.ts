import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { engines } from '../../test/database.ts';
import { startTestGateway, type TestGateway } from '../../test/gateway.ts';
import type { ChainConfig } from '../config/chains-file.ts';
import { createDepositAddressDeriver, DEVELOPMENT_MNEMONIC } from '../wallet/index.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCRIPT = 'test/scripts/create-payments.ts';
const PROCESSES = 4;
const PER_PROCESS = 50;
const TOTAL = PROCESSES * PER_PROCESS;

// Payments are only created here, so the chain is never reached: its tokens just need rows.
const CHAIN: ChainConfig = {
  name: 'anvil',
  chainId: 31337,
  rpcUrls: ['http://127.0.0.1:1'],
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

interface ScriptProcess {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  readonly exited: Promise<{ code: number | null; output: string }>;
}

const spawned = new Set<ChildProcess>();

/** Starts the creation script in a process of its own; it waits for a line on stdin to begin. */
function startCreating(env: Record<string, string>, token: string): ScriptProcess {
  const child = spawn(
    process.execPath,
    ['bin/run-ts.js', SCRIPT, CHAIN.name, token, String(PER_PROCESS)],
    { cwd: ROOT, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  spawned.add(child);
  let output = '';
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk) => {
      output += chunk;
      if (output.includes('ready\n')) resolve();
    });
    child.once('close', () =>
      reject(new Error(`the script exited before it was ready:\n${output}`)),
    );
  });
  const exited = new Promise<{ code: number | null; output: string }>((resolve) =>
    child.once('close', (code) => {
      spawned.delete(child);
      resolve({ code, output });
    }),
  );
  // A script that never becomes ready fails `ready`; that is reported through it, not here.
  ready.catch(() => {});
  return { child, ready, exited };
}

describe.each(engines)('concurrent payment creation on %s', (engine) => {
  let gateway: TestGateway;

  beforeEach(async () => {
    gateway = await startTestGateway(engine, CHAIN);
  });
  afterEach(async () => {
    const left = [...spawned];
    for (const child of left) child.kill('SIGKILL');
    await Promise.all(left.map((child) => new Promise((resolve) => child.once('close', resolve))));
    await gateway?.teardown();
  });

  it('concurrent creation of 200 payments from several processes gets 200 distinct addresses and indexes', async () => {
    const env = { ...gateway.opened.database.env, MNEMONIC: DEVELOPMENT_MNEMONIC };
    const scripts = Array.from({ length: PROCESSES }, (_, i) =>
      startCreating(env, i % 2 === 0 ? 'ETH' : 'USDC'),
    );
    await Promise.all(scripts.map((s) => s.ready));
    // All connected and waiting: they start creating at the same moment.
    for (const script of scripts) script.child.stdin?.end('go\n');
    const results = await Promise.all(scripts.map((s) => s.exited));
    for (const result of results) {
      expect(result, result.output).toMatchObject({ code: 0 });
      expect(result.output).toContain(`created ${PER_PROCESS}`);
    }

    const rows = await gateway.db
      .selectFrom('payments')
      .select(['id', 'address', 'address_index'])
      .execute();
    expect(rows).toHaveLength(TOTAL);
    const indexes = rows.map((row) => row.address_index).sort((a, b) => (a < b ? -1 : 1));
    // No index given twice and, as no creation failed, none skipped either.
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
  }, 60_000);
});
