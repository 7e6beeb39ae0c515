/**
 * What the process-level tests need to run real processes: start one, read its output and
 * JSON log lines, wait for a condition with a deadline, and kill whatever is left after a test,
 * even when it failed.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The repository's root: scripts run from there. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CTRIP = fileURLToPath(new URL('../../bin/ctrip.js', import.meta.url));

export interface LogLine {
  readonly msg: string;
  readonly [field: string]: unknown;
}

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface RunningProcess {
  readonly pid: number;
  stdout(): string;
  stderr(): string;
  /** The JSON lines (pino's) written to stderr so far. */
  logs(): LogLine[];
  /** The end of what it wrote, for failure messages. */
  output(): string;
  /** Resolves once stdout contains `text`; rejects if the process exits first or time runs out. */
  waitForStdout(text: string, timeoutMs: number): Promise<void>;
  /** Writes to its stdin and closes it. */
  endInput(text: string): void;
  readonly exited: Promise<ProcessExit>;
  kill(signal: NodeJS.Signals): void;
}

const running = new Set<RunningProcess>();
// Should the test process exit without its hooks running (a crash, a bail-out), the processes it
// started must not outlive it: a worker left running would scan forever.
process.once('exit', () => {
  for (const proc of running) proc.kill('SIGKILL');
});

/** Runs `node ARGS…` with exactly `env` (plus PATH) in `cwd`; remembered until it exits. */
export function startProcess(
  args: readonly string[],
  options: { env: Record<string, string>; cwd: string },
): RunningProcess {
  const child = spawn(process.execPath, args, {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  // A child that exits early closes its stdin: a late write must not crash the test process.
  child.stdin.on('error', () => {});
  const exited = new Promise<ProcessExit>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  const proc: RunningProcess = {
    pid: child.pid ?? -1,
    stdout: () => stdout,
    stderr: () => stderr,
    logs: () =>
      stderr
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as LogLine),
    output: () => `stdout:\n${stdout.slice(-2000)}\nstderr:\n${stderr.slice(-4000)}`,
    waitForStdout: (text, timeoutMs) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(new Error(`no "${text}" within ${timeoutMs} ms\n${proc.output()}`));
        }, timeoutMs);
        const check = () => {
          if (!stdout.includes(text)) return;
          clearTimeout(timer);
          child.stdout.off('data', check);
          resolve();
        };
        child.stdout.on('data', check);
        check();
        void exited.then(() => {
          clearTimeout(timer);
          if (!stdout.includes(text))
            reject(new Error(`exited before "${text}"\n${proc.output()}`));
        });
      }),
    endInput: (text) => {
      child.stdin.end(text);
    },
    exited,
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
  running.add(proc);
  void exited.then(() => running.delete(proc));
  return proc;
}

/** Runs `ctrip ARGS…` (bin/ctrip.js) as an operator would. */
export function startCtrip(
  args: readonly string[],
  options: { env: Record<string, string>; cwd: string },
): RunningProcess {
  return startProcess([CTRIP, ...args], options);
}

/** Kills (SIGKILL) every process started here that still runs, and waits until they are gone. */
export async function killAllProcesses(): Promise<void> {
  const left = [...running];
  for (const proc of left) proc.kill('SIGKILL');
  await Promise.all(left.map((proc) => proc.exited));
}

/**
 * Polls `probe` every 50 ms until it returns something other than undefined or false, and
 * returns that; throws after `timeoutMs`, adding `context()` (a process's output) to the error.
 */
export async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs: number,
  context: () => string = () => '',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms: ${what}\n${context()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A loopback port nothing listens on: connections to it are refused at once. */
export function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
