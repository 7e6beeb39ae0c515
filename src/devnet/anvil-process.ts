import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { DevnetError } from './errors.ts';

const require = createRequire(import.meta.url);

const READY_TIMEOUT_MS = 30_000;
/** Anvil writes its state file on the way out; a large chain takes a moment. */
const STOP_TIMEOUT_MS = 20_000;
/** Enough of Anvil's stderr to explain why it would not start. */
const STDERR_KEPT_CHARS = 4_000;

export interface StartAnvilProcessParams {
  /** Loopback unless told otherwise: the dev accounts' keys are public. */
  readonly host?: string;
  /** A free port on `host` when left out. */
  readonly port?: number;
  readonly chainId: number;
  /** Anvil's `--state`: the chain is loaded from this file if it exists and written to it on exit. */
  readonly stateFile?: string;
  /** Interval mining; every transaction is mined at once when left out. */
  readonly blockTimeSeconds?: number;
  /**
   * Runs Anvil in a process group of its own, so a Ctrl+C meant for the gateway does not end
   * the chain before the gateway has stopped using it; `stop()` ends it in order.
   */
  readonly detached?: boolean;
}

export interface AnvilProcess {
  /** The JSON-RPC endpoint. */
  readonly url: string;
  readonly pid: number;
  /** Ends Anvil with SIGTERM (so it writes its state file) and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * Starts the Anvil binary that `@foundry-rs/anvil` ships for this platform and resolves once it
 * answers JSON-RPC. Its output is kept out of ours: stdout is dropped, and the end of stderr is
 * only used to say why it would not start. Throws `DevnetError` (DEVNET_START_FAILED).
 */
export async function startAnvilProcess(params: StartAnvilProcessParams): Promise<AnvilProcess> {
  const host = params.host ?? '127.0.0.1';
  const port = params.port ?? (await findFreePort(host));
  const args = ['--host', host, '--port', String(port), '--chain-id', String(params.chainId)];
  if (params.stateFile) args.push('--state', params.stateFile);
  if (params.blockTimeSeconds) args.push('--block-time', String(params.blockTimeSeconds));

  const child = spawn(findAnvilBinary(), args, {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: params.detached ?? false,
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-STDERR_KEPT_CHARS);
  });
  // Should this process end without calling stop() (an uncaught error), Anvil goes with it.
  const endWithUs = () => child.kill('SIGTERM');
  process.once('exit', endWithUs);

  const url = `http://${host}:${port}`;
  const exited = new Promise<never>((_, reject) => {
    child.once('exit', (code, signal) => {
      const lastLine = stderr.trim().split('\n').at(-1) ?? '';
      reject(
        new DevnetError(
          'DEVNET_START_FAILED',
          `anvil exited (${code ?? signal}) before it answered${lastLine ? `: ${lastLine}` : ''}`,
          { details: { port } },
        ),
      );
    });
    child.once('error', (error) =>
      reject(new DevnetError('DEVNET_START_FAILED', `anvil did not start: ${error.message}`)),
    );
  });
  exited.catch(() => {});
  try {
    await Promise.race([waitForRpc(url), exited]);
  } catch (error) {
    process.removeListener('exit', endWithUs);
    child.kill('SIGKILL');
    throw error;
  }
  return {
    url,
    pid: child.pid ?? 0,
    stop: async () => {
      process.removeListener('exit', endWithUs);
      await stopChild(child);
    },
  };
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** The binary of the platform package `@foundry-rs/anvil` depends on (optional, per platform). */
function findAnvilBinary(): string {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  const platformPackage = `@foundry-rs/anvil-${process.platform}-${arch}`;
  try {
    return join(dirname(require.resolve(`${platformPackage}/package.json`)), 'bin', 'anvil');
  } catch (cause) {
    throw new DevnetError(
      'DEVNET_START_FAILED',
      `the anvil binary for ${process.platform}-${process.arch} is not installed (${platformPackage}); run npm install`,
      { cause },
    );
  }
}

/** A port that was free a moment ago: the OS picks it, we release it for Anvil to take. */
function findFreePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function waitForRpc(url: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (await answersRpc(url)) return;
    if (Date.now() > deadline) {
      throw new DevnetError(
        'DEVNET_START_FAILED',
        `anvil did not answer within ${READY_TIMEOUT_MS / 1000} s`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Whether a JSON-RPC node answers `eth_chainId` at `url`; its chain id, or null. */
export async function fetchChainId(url: string): Promise<number | null> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      signal: AbortSignal.timeout(2_000),
    });
    if (!response.ok) return null;
    const body = (await response.json()) as { result?: unknown };
    return typeof body.result === 'string' ? Number(BigInt(body.result)) : null;
  } catch {
    return null;
  }
}

async function answersRpc(url: string): Promise<boolean> {
  return (await fetchChainId(url)) !== null;
}
