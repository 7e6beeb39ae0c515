import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCtrip } from '../../../test/cli.ts';
import { engines, setupDatabase, type TestDatabase } from '../../../test/database.ts';
import {
  type MigrationsDir,
  makeMigrationsDir,
  migrationText,
  projectHead,
  projectRevisions,
} from '../../../test/migrations-dir.ts';
import { createDatabase } from '../create-database.ts';
import { MIGRATIONS_DIR, readMigrationFiles } from './index.ts';

describe.each(engines)('two concurrent upgrade processes on %s', (engine) => {
  let database: TestDatabase;
  let dir: MigrationsDir;

  beforeEach(async () => {
    database = await setupDatabase(engine);
    dir = makeMigrationsDir();
    // A slow migration widens the window in which the two runs overlap; creating a table
    // twice would fail, so a double run cannot go unnoticed.
    dir.write(
      '2099_01_01_0000-cccccccccccc_slow_step.ts',
      migrationText(
        projectHead(),
        `await db.schema.createTable('slow_step').addColumn('id', t.text).execute();
         await new Promise((resolve) => setTimeout(resolve, 1500));`,
        "await db.schema.dropTable('slow_step').execute();",
      ),
    );
  });

  afterEach(async () => {
    await database.drop();
    dir.remove();
  });

  it('both exit 0 and each migration is applied once', async () => {
    const args = ['migrate', '--dir', dir.dir, 'upgrade'];
    const [first, second] = await Promise.all([
      runCtrip(args, database.env),
      runCtrip(args, database.env),
    ]);
    expect(first.stderr).toBe('');
    expect(second.stderr).toBe('');
    expect([first.code, second.code]).toEqual([0, 0]);

    const output = first.stdout + second.stdout;
    expect(output.match(/applied {2}\S+slow_step\.ts/g)).toHaveLength(1);
    for (const file of readMigrationFiles(MIGRATIONS_DIR)) {
      expect(output.split(`applied  ${file.fileName}`)).toHaveLength(2);
    }

    const handle = createDatabase(database.settings);
    try {
      const { rows } = await sql<{ revision: string }>`
        select revision from ctrip_migrations order by revision`.execute(handle.db);
      expect(rows.map((r) => r.revision)).toEqual([...projectRevisions(), 'cccccccccccc'].sort());
    } finally {
      await handle.close();
    }
  });
});
