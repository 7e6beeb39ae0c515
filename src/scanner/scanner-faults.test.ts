import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { engines } from '../../test/database.ts';
import { type DevChain, startDevChain } from '../../test/devchain.ts';
import { scanToHead, startTestGateway } from '../../test/gateway.ts';
import { createPayment } from '../payments/create-payment.ts';
import { rescanChain } from './rescan-chain.ts';

/**
 * A JSON-RPC proxy in front of Anvil that refuses eth_getLogs over more than `maxRange`
 * blocks, as hosted providers do: the one fault here that Anvil cannot produce itself.
 */
async function startRangeLimitedProxy(target: string, maxRange: number) {
  const refused: string[] = [];
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    const calls = Array.isArray(body) ? body : [body];
    const tooWide = calls.find(
      (call: { method: string; params: { fromBlock: string; toBlock: string }[] }) => {
        if (call.method !== 'eth_getLogs') return false;
        const { fromBlock, toBlock } = call.params[0] ?? { fromBlock: '0x0', toBlock: '0x0' };
        return Number(BigInt(toBlock) - BigInt(fromBlock)) + 1 > maxRange;
      },
    );
    if (tooWide) {
      refused.push(`${tooWide.params[0].fromBlock}-${tooWide.params[0].toBlock}`);
      const error = {
        jsonrpc: '2.0',
        id: tooWide.id,
        error: { code: -32600, message: `block range is too large (max ${maxRange})` },
      };
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify(
          Array.isArray(body) ? calls.map((c: { id: number }) => ({ ...error, id: c.id })) : error,
        ),
      );
      return;
    }
    const upstream = await fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    res.setHeader('content-type', 'application/json');
    res.end(await upstream.text());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    refused,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe.each(engines)('the scanner when things go wrong, %s', (engine) => {
  let chain: DevChain;

  beforeAll(async () => {
    chain = await startDevChain();
  });
  afterAll(() => chain?.stop());

  it('a reorg deeper than the window stops the chain loudly; a rescan from before it recovers, counting once', async () => {
    const config = chain.config({ startBlock: await chain.head(), reorgWindow: 4 });
    const gateway = await startTestGateway(engine, config);
    try {
      const scanner = await gateway.scanner();
      const created = await createPayment(gateway.payments, {
        chain: 'anvil',
        token: 'USDC',
        amount: '1',
      });
      const start = await chain.head();
      await chain.sendToken(chain.usdc, created.address, 1_000_000n);
      await chain.mine(6);
      await scanToHead(scanner);
      expect(
        (await gateway.db.selectFrom('payments').select('status').executeTakeFirstOrThrow()).status,
      ).toBe('confirmed');

      await chain.reorg(7);
      await expect(scanToHead(scanner)).rejects.toMatchObject({ code: 'SCANNER_REORG_TOO_DEEP' });
      expect(
        gateway.logger.lines.some(
          (l) => l.level === 'error' && /deeper than its reorg window/.test(l.msg),
        ),
      ).toBe(true);
      const state = await gateway.db
        .selectFrom('chain_states')
        .select('halted_reason')
        .executeTakeFirstOrThrow();
      expect(state.halted_reason).toMatch(/deeper than its reorg window/);
      // Every process sees the stop, not only the one that found it.
      const other = await gateway.scanner('another-process');
      await scanner.release();
      await expect(other.scanOnce()).rejects.toMatchObject({ code: 'SCANNER_HALTED' });
      // Nothing was guessed: the payment keeps its state until the operator acts.
      expect(
        (await gateway.db.selectFrom('payments').select('status').executeTakeFirstOrThrow()).status,
      ).toBe('confirmed');

      const result = await rescanChain(gateway.db, {
        chain: 'anvil',
        fromBlock: start,
        policy: gateway.policy,
      });
      expect(result).toEqual({ paymentsAffected: 1, wasHalted: true });
      const afterRewind = await gateway.db
        .selectFrom('payments')
        .selectAll()
        .executeTakeFirstOrThrow();
      expect([afterRewind.status, afterRewind.amount_received]).toEqual(['pending', 0n]);

      await chain.sendToken(chain.usdc, created.address, 1_000_000n);
      await chain.mine(3);
      await scanToHead(other);
      const payment = await gateway.db.selectFrom('payments').selectAll().executeTakeFirstOrThrow();
      expect([payment.status, payment.amount_received]).toEqual(['confirmed', 1_000_000n]);
      const transfers = await gateway.db.selectFrom('transactions').select('status').execute();
      expect(transfers.map((t) => t.status).sort()).toEqual(['confirmed', 'removed']);
      await other.release();
    } finally {
      await gateway.teardown();
    }
  });

  it('shrinks the block range when the provider refuses it, and still finds every transfer', async () => {
    const proxy = await startRangeLimitedProxy(chain.url, 3);
    const start = await chain.head();
    const config = chain.config({
      startBlock: start + 1n,
      rpcUrls: [proxy.url],
      maxBlockRange: 40,
    });
    const gateway = await startTestGateway(engine, config);
    try {
      const scanner = await gateway.scanner();
      const created = await createPayment(gateway.payments, {
        chain: 'anvil',
        token: 'DAI',
        amount: '4',
      });
      for (let i = 0; i < 4; i++) {
        await chain.sendToken(chain.dai, created.address, 10n ** 18n);
        await chain.mine(2);
      }
      await chain.mine(3);
      const steps = await scanToHead(scanner);
      expect(proxy.refused.length).toBeGreaterThan(0);
      expect(
        steps
          .filter((s) => s.kind === 'scanned')
          .every((s) => s.kind === 'scanned' && s.to - s.from < 3n),
      ).toBe(true);
      const payment = await gateway.db.selectFrom('payments').selectAll().executeTakeFirstOrThrow();
      expect([payment.status, payment.amount_received]).toEqual(['confirmed', 4n * 10n ** 18n]);
      expect(await gateway.db.selectFrom('transactions').select('id').execute()).toHaveLength(4);
    } finally {
      await gateway.teardown();
      await proxy.close();
    }
  });

  it('with the safe tag as the rule, a transfer is confirmed once its block is safe', async () => {
    const config = chain.config({
      startBlock: await chain.head(),
      confirmations: { kind: 'tag', tag: 'safe' },
      reorgWindow: 64,
      maxBlockRange: 100,
    });
    const gateway = await startTestGateway(engine, config);
    try {
      const scanner = await gateway.scanner();
      const created = await createPayment(gateway.payments, {
        chain: 'anvil',
        token: 'ETH',
        amount: '0.01',
      });
      await chain.sendNative(created.address, 10n ** 16n);
      const block = await chain.head();
      await chain.mine(10);
      await scanToHead(scanner);
      expect(
        (await gateway.db.selectFrom('payments').select('status').executeTakeFirstOrThrow()).status,
      ).toBe('detected');
      // Anvil reports `safe` 32 blocks below its head.
      const safe = (await chain.publicClient.getBlock({ blockTag: 'safe' })).number;
      await chain.mine(Number(block - safe));
      await scanToHead(scanner);
      expect(
        (await gateway.db.selectFrom('payments').select('status').executeTakeFirstOrThrow()).status,
      ).toBe('confirmed');
    } finally {
      await gateway.teardown();
    }
  });
});
