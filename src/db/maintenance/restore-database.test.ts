import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { runCtrip } from '../../../test/cli.ts';
import {
  engines,
  type OpenDatabase,
  setupMigratedDatabase,
  type TestDatabase,
} from '../../../test/database.ts';
import { insertToken } from '../../../test/rows.ts';
import { createDatabase, type DatabaseHandle } from '../create-database.ts';
import type { Engine } from '../engine.ts';
import { backupDatabase } from './backup-database.ts';
import { BackupFileNotFoundError, InvalidBackupFileError } from './errors.ts';
import { restoreDatabase } from './restore-database.ts';

describe.each(engines)('restoreDatabase on %s', (engine) => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let dir: string;

  beforeEach(async () => {
    const fixture = await createFixture(engine);
    ({ database, handle, dir } = fixture);
    // A test may replace `handle`: the one it ends with is closed.
    return () => destroyFixture(fixture, handle);
  });

  const countTokens = async () =>
    (await handle.db.selectFrom('tokens').select('symbol').execute()).length;

  it('a missing backup file is refused with a one-line error and exit status 1', async () => {
    const file = join(dir, 'nowhere.bak');
    await expect(restoreDatabase({ target: database.settings.target, file })).rejects.toThrow(
      BackupFileNotFoundError,
    );

    const result = await runCtrip(['db', 'restore', file], database.env, { cwd: dir });
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`error: ${file} does not exist; nothing was restored\n`);
  });

  it('a file that is not a backup of this engine is refused and the database is unchanged', async () => {
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'not a backup at all\n');
    // The other engine's backup is the likeliest mistake.
    const other = join(dir, 'other-engine.bak');
    writeFileSync(other, engine === 'sqlite' ? 'PGDMP\u0001\u000e\u0000' : 'SQLite format 3\u0000');
    await handle.close();

    for (const file of [text, other]) {
      const error = await restoreDatabase({ target: database.settings.target, file }).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(InvalidBackupFileError);
      expect(error).toMatchObject({ code: 'DB_BACKUP_INVALID' });
      expect((error as Error).message).toMatch(
        engine === 'sqlite' ? /is not a SQLite database/ : /is not a pg_dump custom-format archive/,
      );
    }

    handle = createDatabase(database.settings);
    expect(await countTokens()).toBe(1);
  });
});

describe('restoreDatabase replacing the database file on sqlite', () => {
  let database: TestDatabase;
  let handle: DatabaseHandle;
  let dir: string;

  beforeEach(async () => {
    const fixture = await createFixture('sqlite');
    ({ database, handle, dir } = fixture);
    // A test may replace `handle`: the one it ends with is closed.
    return () => destroyFixture(fixture, handle);
  });

  const countTokens = async () =>
    (await handle.db.selectFrom('tokens').select('symbol').execute()).length;

  it('a damaged SQLite backup fails the integrity check and is not put in place', async () => {
    const file = join(dir, 'damaged.db');
    await backupDatabase({ target: database.settings.target, file });
    // Page 2 onwards hold the tables: overwrite the start of one with garbage.
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(64, 0xff), 0, 64, 2 * 4096 + 8);
    closeSync(fd);
    await handle.close();

    await expect(restoreDatabase({ target: database.settings.target, file })).rejects.toMatchObject(
      {
        code: 'DB_BACKUP_INVALID',
        message: expect.stringMatching(/fails the SQLite integrity check/),
      },
    );

    handle = createDatabase(database.settings);
    expect(await countTokens()).toBe(1);
  });

  it('a restore removes the replaced database’s stale WAL and shared-memory files', async () => {
    const file = join(dir, 'good.db');
    await backupDatabase({ target: database.settings.target, file });
    await handle.db.deleteFrom('tokens').execute();
    await handle.close();
    const target = database.settings.target;
    if (target.engine !== 'sqlite') throw new Error('unreachable');
    writeFileSync(`${target.filename}-wal`, 'stale');
    writeFileSync(`${target.filename}-shm`, 'stale');

    await restoreDatabase({ target, file });

    expect(existsSync(`${target.filename}-wal`)).toBe(false);
    expect(existsSync(`${target.filename}-shm`)).toBe(false);
    handle = createDatabase(database.settings);
    expect(await countTokens()).toBe(1);
  });
});

interface Fixture extends OpenDatabase {
  /** An empty folder of its own for the backup files. */
  readonly dir: string;
}

/** A migrated database of its own holding one token, and a folder for backups. */
async function createFixture(engine: Engine): Promise<Fixture> {
  const opened = await setupMigratedDatabase(engine, ({ db }) =>
    insertToken(db, { chain: 'anvil' }),
  );
  return { ...opened, dir: mkdtempSync(join(tmpdir(), 'ctrip-restore-')) };
}

/** Closes `handle`, the one the test ended with, then tears the fixture down. */
async function destroyFixture(fixture: Fixture, handle: DatabaseHandle): Promise<void> {
  await handle.close();
  await fixture.teardown();
  rmSync(fixture.dir, { recursive: true, force: true });
}
