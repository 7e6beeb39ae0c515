import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CTRIP = fileURLToPath(new URL('../bin/ctrip.js', import.meta.url));
let scratch: string | undefined;

function scratchFolder(): string {
  scratch ??= mkdtempSync(join(tmpdir(), 'ctrip-cli-'));
  return scratch;
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the real `ctrip` command in its own process with exactly the given environment (plus
 * PATH), as an operator would. It runs in an empty scratch folder unless told otherwise, so no
 * `.env` of the developer's leaks in.
 */
export function runCtrip(
  args: readonly string[],
  env: Record<string, string>,
  options: { cwd?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CTRIP, ...args], {
      cwd: options.cwd ?? scratchFolder(),
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
