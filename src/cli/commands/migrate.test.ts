import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
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
import { MIGRATIONS_DIR, readMigrationFiles } from '../../db/migrate/index.ts';

// A test here runs up to seven `ctrip` processes one after another, each starting Node and
// loading the CLI: seconds apiece on a busy two-core machine, more when a stale build makes
// bin/ctrip.js fall back to tsx. The default 30 s made them time out, not fail an assertion.
const RUNS_THE_CLI = { timeout: 180_000 };

describe.each(engines)('ctrip migrate on %s', RUNS_THE_CLI, (engine) => {
  let database: TestDatabase;
  let dir: MigrationsDir;

  beforeEach(async () => {
    database = await setupDatabase(engine);
    dir = makeMigrationsDir();
  });
  afterEach(async () => {
    await database.drop();
    dir.remove();
  });

  const ctrip = (...args: string[]) =>
    runCtrip(['migrate', '--dir', dir.dir, ...args], database.env);

  it('create writes the next file after head; upgrade, history, show and current describe it', async () => {
    const created = await ctrip('create', 'Add merchant notes!');
    expect(created.code).toBe(0);
    const name = readdirSync(dir.dir).find((f) => f.endsWith('_add_merchant_notes.ts')) ?? '';
    expect(name).toMatch(/^\d{4}_\d{2}_\d{2}_\d{4}-[0-9a-f]{12}_add_merchant_notes\.ts$/);
    expect(readFileSync(join(dir.dir, name), 'utf8')).toContain(
      `export const downRevision = '${projectHead()}';`,
    );
    const revision = name.slice(16, 28);

    const upgraded = await ctrip('upgrade');
    expect(upgraded.code).toBe(0);
    expect(upgraded.stdout).toContain(`applied  ${name}`);

    const history = JSON.parse((await ctrip('history', '--json')).stdout) as {
      revision: string;
      state: string;
      isHead: boolean;
    }[];
    expect(history.map((h) => [h.revision, h.state, h.isHead])).toEqual([
      ...projectRevisions().map((r) => [r, 'applied', false]),
      [revision, 'applied', true],
    ]);

    const shown = JSON.parse((await ctrip('show', revision.slice(0, 6), '--json')).stdout);
    expect(shown).toMatchObject({
      revision,
      downRevision: projectHead(),
      message: 'add merchant notes',
    });

    const current = await ctrip('current');
    expect(current.stdout.trim()).toBe(`${revision} (add merchant notes) (head)`);
  });

  it('warns when an applied file was edited; reports and refuses when one is missing', async () => {
    const path = dir.write(
      `2099_01_01_0000-dddddddddddd_notes.ts`,
      migrationText(
        projectHead(),
        "await db.schema.createTable('notes').addColumn('id', t.text).execute();",
        "await db.schema.dropTable('notes').execute();",
      ),
    );
    expect((await ctrip('upgrade')).code).toBe(0);
    dir.write('2099_01_01_0000-dddddddddddd_notes.ts', `${readFileSync(path, 'utf8')}// edited\n`);
    const edited = await ctrip('current');
    expect(edited.code).toBe(0);
    expect(edited.stderr).toContain(
      '2099_01_01_0000-dddddddddddd_notes.ts was edited after it was applied',
    );

    const upgrade = await ctrip('upgrade');
    expect(upgrade.stderr).toContain('was edited after it was applied');
    expect(upgrade.stdout).toContain('nothing to do');

    rmSync(path);
    const missing = await ctrip('current', '--json');
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout)).toMatchObject({ atHead: false, missing: ['dddddddddddd'] });
    expect(missing.stderr).toContain('applied revisions with no file: dddddddddddd');
    const history = JSON.parse((await ctrip('history', '--json')).stdout) as {
      revision: string;
      state: string;
    }[];
    expect(history.at(-1)).toMatchObject({
      revision: 'dddddddddddd',
      state: 'applied (file missing)',
    });
    const refused = await ctrip('upgrade');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/revision dddddddddddd applied but no migration file/);
  });

  it('a failing migration exits 1 naming the file, and unknown revisions are clear', async () => {
    dir.write(
      '2099_01_01_0000-eeeeeeeeeeee_broken.ts',
      migrationText(projectHead(), 'await sql`select * from no_such_table`.execute(db);', ''),
    );
    const failed = await ctrip('upgrade');
    expect(failed.code).toBe(1);
    // The project's migrations before it were applied and stay so.
    for (const file of readMigrationFiles(MIGRATIONS_DIR)) {
      expect(failed.stdout).toContain(`applied  ${file.fileName}`);
    }
    expect(failed.stderr).toMatch(
      /^error: upgrade 2099_01_01_0000-eeeeeeeeeeee_broken\.ts failed and was rolled back: .*no_such_table/m,
    );

    const unknown = await ctrip('downgrade', 'abcdef123456');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^error: unknown revision 'abcdef123456'/);
  });
});

describe('ctrip migrate without a database', RUNS_THE_CLI, () => {
  it('sql prints the offline SQL for either engine', async () => {
    const postgres = await runCtrip(['migrate', 'sql', '--dialect', 'postgres'], {});
    expect(postgres.code).toBe(0);
    expect(postgres.stdout).toContain('"amount" numeric(78, 0) not null');
    const sqlite = await runCtrip(
      ['migrate', 'sql', '--dialect', 'sqlite', '--to', projectHead()],
      {},
    );
    expect(sqlite.stdout).toContain('"amount" text not null');
    const bad = await runCtrip(['migrate', 'sql', '--dialect', 'mysql'], {});
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--dialect must be postgres or sqlite');
  });

  it('says which database it cannot reach', async () => {
    const pg = await runCtrip(['migrate', 'current'], {
      DATABASE_URL_DEV: 'postgresql://ctrip:pw-not-shown@127.0.0.1:1/ctrip',
    });
    expect(pg.code).toBe(1);
    expect(pg.stderr.trim()).toBe(
      'error: cannot reach the database (PostgreSQL ctrip@127.0.0.1:1/ctrip): connection refused; is the server running?',
    );
    const sqlite = await runCtrip(['migrate', 'upgrade'], {
      DATABASE_URL_DEV: 'sqlite:////dev/null/no-such-dir/ctrip.db',
    });
    expect(sqlite.code).toBe(1);
    expect(sqlite.stderr).toMatch(
      /^error: cannot reach the database \(SQLite file \/dev\/null\/no-such-dir\/ctrip\.db\)/,
    );
  });
});
