import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** Anvil's first default account: funded with 10,000 ETH on every fresh node. */
export const ANVIL_PRIVATE_KEY =
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80' as const;
export const ANVIL_CHAIN_ID = 31337;

export interface AnvilNode {
  /** The JSON-RPC endpoint, on 127.0.0.1 and a free port. */
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Starts a real Anvil node (the binary that `@foundry-rs/anvil` ships for this platform) on a
 * free loopback port, and resolves once it answers JSON-RPC, so suites can each run their own.
 */
export async function startAnvil(options: { blockTimeSeconds?: number } = {}): Promise<AnvilNode> {
  const port = await freePort();
  const args = [
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--chain-id',
    String(ANVIL_CHAIN_ID),
  ];
  if (options.blockTimeSeconds) args.push('--block-time', String(options.blockTimeSeconds));
  const child = spawn(anvilBinary(), args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<never>((_, reject) => {
    child.once('exit', (code) => reject(new Error(`anvil exited (${code}): ${stderr.trim()}`)));
    child.once('error', reject);
  });
  await Promise.race([waitForRpc(url), exited]);
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

function anvilBinary(): string {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  const manifest = require.resolve(`@foundry-rs/anvil-${process.platform}-${arch}/package.json`);
  return join(dirname(manifest), 'bin', 'anvil');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function waitForRpc(url: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`anvil did not answer on ${url} within 15 s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
