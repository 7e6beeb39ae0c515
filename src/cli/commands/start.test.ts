import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCtrip } from '../../../test/cli.ts';
import { engines, setupDatabase, type TestDatabase } from '../../../test/database.ts';
import { closedPort } from '../../../test/scripts/processes.ts';

const CTRIP = fileURLToPath(new URL('../../../bin/ctrip.js', import.meta.url));

/**
 * Starts `ctrip start`, waits for it to say it runs, checks a second later that it still
 * does, and stops it with SIGINT.
 */
async function startAndStop(env: Record<string, string>, cwd: string) {
  // A port of its own: the API listens, and suites run in parallel.
  const port = String(await closedPort());
  return startAndStopOn({ PORT: port, ...env }, cwd);
}

function startAndStopOn(env: Record<string, string>, cwd: string) {
  return new Promise<{
    code: number | null;
    stdout: string;
    stderr: string;
    stayedUp: boolean;
  }>((resolve, reject) => {
    const child = spawn(process.execPath, [CTRIP, 'start'], {
      cwd,
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    let stdout = '';
    let stderr = '';
    let stayedUp = false;
    let told = false;
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (told || !stdout.includes('Press Ctrl+C to stop')) return;
      told = true;
      setTimeout(() => {
        stayedUp = child.exitCode === null;
        child.kill('SIGINT');
      }, 1000);
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, stayedUp });
    });
  });
}

// Each test spawns the gateway (and, without configuration, Anvil): slow on a loaded machine.
describe('ctrip start with no configuration', { timeout: 120_000 }, () => {
  it('creates ./data/ctrip.db, applies migrations, runs the devnet, says where the database is, stops on Ctrl+C', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'ctrip-start-'));
    const result = await startAndStop({}, cwd);
    expect(result.stayedUp).toBe(true);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`database: SQLite file ${join(cwd, 'data', 'ctrip.db')}`);
    expect(result.stderr).toMatch(/migration applied: .*create_core_tables/);

    const current = await runCtrip(['migrate', 'current', '--json'], {}, { cwd });
    expect(JSON.parse(current.stdout)).toMatchObject({ atHead: true, pending: [] });
  });
});

describe.each(engines)('ctrip start in production on %s', { timeout: 120_000 }, (engine) => {
  let database: TestDatabase;
  const production = () => ({
    ENV: 'production',
    DATABASE_URL: database.url,
    PRIVATE_KEY: '0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318',
    // An account xpub of a freshly generated, never funded mnemonic: no private key needed.
    XPUB: 'xpub6DWkdnA5gTHCc1LueTYZEr5zLZ3FdRgXMHWPNTLAJE96v3jvj3wX4uDEzTE7gwpJ85N9AVXikDGVwyLEzdsww6TcNtiXag8UZzYMCXy7Dbn',
    SECRET_KEY: 'k9X2vQ7mL4pR8sT1wY6zA3bC5dE0fG2hJ4kM7nP9qR',
  });

  beforeEach(async () => {
    database = await setupDatabase(engine);
  });
  afterEach(() => database.drop());

  it('refuses to start while migrations are pending and names the command, then starts', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'ctrip-start-'));
    const refused = await runCtrip(['start'], production(), { cwd });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /migration\(s\) pending .*run `ctrip migrate upgrade` before starting/,
    );

    const current = await runCtrip(['migrate', 'current', '--json'], production(), { cwd });
    expect(current.code).toBe(1);
    expect(current.stderr).toMatch(/no migrations table yet/);

    expect((await runCtrip(['migrate', 'upgrade'], production(), { cwd })).code).toBe(0);
    const started = await startAndStop(production(), cwd);
    expect(started.stayedUp).toBe(true);
    expect(started.code).toBe(0);
    expect(started.stdout).toContain('cTrip is running (production)');
  });
});
