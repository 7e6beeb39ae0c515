import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { v7 } from 'uuid';
import { beforeEach, describe, expect, it } from 'vitest';
import { runCtrip } from '../../../test/cli.ts';
import {
  engines,
  type OpenDatabase,
  setupMigratedDatabase,
  type TestDatabase,
} from '../../../test/database.ts';
import { insertToken, paymentRow } from '../../../test/rows.ts';
import { createDatabase, type DatabaseHandle } from '../create-database.ts';
import type { Engine } from '../engine.ts';
import { type BackupProgress, backupDatabase, nameBackupFile } from './backup-database.ts';
import { createLibpqEnv } from './run-postgres-tool.ts';

const MAX_UINT256 = 2n ** 256n - 1n;

describe.each(engines)('ctrip db backup and restore on %s', (engine) => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let dir: string;

  beforeEach(async () => {
    const fixture = await createFixture(engine);
    ({ database, handle, dir } = fixture);
    // A test may replace `handle`: the one it ends with is closed.
    return () => destroyFixture(fixture, handle);
  });

  it('a backup restored over changed and deleted data brings the original rows back exactly', async () => {
    const original = await readRows(handle);
    const file = join(dir, `saved.${engine === 'postgres' ? 'dump' : 'db'}`);

    const backup = await runCtrip(['db', 'backup', file], database.env, { cwd: dir });
    expect(backup.stderr).toBe('');
    expect(backup.code).toBe(0);
    expect(backup.stdout).toContain(file);
    expect(backup.stdout).toMatch(/\d+(\.\d)? (bytes|KiB|MiB)/);

    await handle.db.updateTable('tokens').set({ symbol: 'CHANGED' }).execute();
    await handle.db.deleteFrom('payments').execute();
    await handle.db
      .insertInto('tokens')
      .values({ id: v7(), chain: 'anvil', address: null, symbol: 'ETH', decimals: 18 })
      .execute();
    // A SQLite file is replaced underneath: nothing may hold it open, as with the gateway.
    await handle.close();

    const restore = await runCtrip(['db', 'restore', file], database.env, { cwd: dir });
    expect(restore.stderr).toBe('');
    expect(restore.code).toBe(0);
    expect(restore.stdout).toContain('restored');

    handle = createDatabase(database.settings);
    const restored = await readRows(handle);
    expect(restored).toEqual(original);
    expect(restored.payments[0]?.amount).toBe(MAX_UINT256);
  });

  it('a backup to an existing file is refused and leaves that file as it was', async () => {
    const file = join(dir, 'existing.bak');
    writeFileSync(file, 'an older backup');

    const result = await runCtrip(['db', 'backup', file], database.env, { cwd: dir });

    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `error: ${file} already exists; a backup never overwrites a file: choose another name or move it away\n`,
    );
    expect(readFileSync(file, 'utf8')).toBe('an older backup');
    expect(readdirSync(dir)).toEqual(['existing.bak']);
  });

  it('only PostgreSQL needs pg_dump, and its absence is one clear line', async () => {
    const file = join(dir, 'no-tools.bak');

    const result = await runCtrip(
      ['db', 'backup', file],
      { ...database.env, PATH: dir },
      { cwd: dir },
    );

    if (engine === 'sqlite') {
      expect(result.code).toBe(0);
      expect(statSync(file).size).toBeGreaterThan(0);
    } else {
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^error: pg_dump is not installed or not on PATH; [^\n]+\n$/);
      expect(readdirSync(dir)).toEqual([]);
    }
  });

  it('with no file given, the backup goes to backups/ named after the engine and the UTC time, and reports progress', async () => {
    const file = nameBackupFile(engine, dir, new Date('2026-01-02T03:04:05.678Z'));
    expect(file).toBe(
      join(
        dir,
        'backups',
        `ctrip-${engine}-20260102T030405Z.${engine === 'postgres' ? 'dump' : 'db'}`,
      ),
    );
    const progress: BackupProgress[] = [];

    const result = await backupDatabase({
      target: database.settings.target,
      file,
      onProgress: (p) => progress.push(p),
    });

    expect(result).toMatchObject({ engine, file, bytes: statSync(file).size });
    expect(result.bytes).toBeGreaterThan(0);
    // Only the finished backup is left: no temporary file beside it.
    expect(readdirSync(join(dir, 'backups'))).toEqual([file.split('/').at(-1)]);
    const last = progress.at(-1);
    if (engine === 'sqlite') {
      expect(last).toMatchObject({ engine: 'sqlite' });
      expect(last?.engine === 'sqlite' && last.pagesDone === last.totalPages).toBe(true);
    } else {
      expect(last).toEqual({ engine: 'postgres', bytesWritten: result.bytes });
    }
  });
});

describe('pg_dump and pg_restore credentials on postgres', () => {
  let database: TestDatabase;

  beforeEach(async () => {
    const fixture = await createFixture('postgres');
    database = fixture.database;
    return () => destroyFixture(fixture, fixture.handle);
  });

  it('pg_dump and pg_restore get the password from the environment, never the command line', () => {
    const target = database.settings.target;
    if (target.engine !== 'postgres') throw new Error('unreachable');
    const env = createLibpqEnv({
      ...target,
      connectionString: 'postgresql://ctrip:p%40ss@db.internal:6543/pay?sslmode=require',
      host: 'db.internal',
      port: 6543,
      database: 'pay',
      user: 'ctrip',
    });
    expect(env).toMatchObject({
      PGHOST: 'db.internal',
      PGPORT: '6543',
      PGDATABASE: 'pay',
      PGUSER: 'ctrip',
      PGPASSWORD: 'p@ss',
      PGSSLMODE: 'require',
    });
  });
});

async function insertRows(handle: DatabaseHandle): Promise<void> {
  const tokenId = await insertToken(handle.db, {
    chain: 'anvil',
    address: `0x${'ab'.repeat(20)}`,
    symbol: 'USDT',
    decimals: 6,
    created_at: new Date('2026-01-02T03:04:05.678Z'),
  });
  await handle.db
    .insertInto('payments')
    .values(
      paymentRow(tokenId, {
        chain: 'anvil',
        address: `0x${'cd'.repeat(20)}`,
        amount: MAX_UINT256,
        detected_in_block: 12_345_678_901n,
        expires_at: new Date('2026-01-02T04:04:05.678Z'),
      }),
    )
    .execute();
}

async function readRows(handle: DatabaseHandle) {
  return {
    tokens: await handle.db.selectFrom('tokens').selectAll().orderBy('id').execute(),
    payments: await handle.db.selectFrom('payments').selectAll().orderBy('id').execute(),
  };
}

interface Fixture extends OpenDatabase {
  /** An empty folder of its own for the backup files. */
  readonly dir: string;
}

/** A migrated database of its own holding the rows of `insertRows`, and a folder for backups. */
async function createFixture(engine: Engine): Promise<Fixture> {
  const opened = await setupMigratedDatabase(engine, insertRows);
  return { ...opened, dir: mkdtempSync(join(tmpdir(), 'ctrip-backup-')) };
}

/** Closes `handle`, the one the test ended with, then tears the fixture down. */
async function destroyFixture(fixture: Fixture, handle: DatabaseHandle): Promise<void> {
  await handle.close();
  await fixture.teardown();
  rmSync(fixture.dir, { recursive: true, force: true });
}
