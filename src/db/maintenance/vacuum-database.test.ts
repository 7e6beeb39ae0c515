import { beforeEach, describe, expect, it } from 'vitest';
import { runCtrip } from '../../../test/cli.ts';
import { engines, setupMigratedDatabase, type TestDatabase } from '../../../test/database.ts';
import { tokenRow } from '../../../test/rows.ts';
import type { DatabaseHandle } from '../create-database.ts';
import { vacuumDatabase } from './vacuum-database.ts';

describe.each(engines)('vacuumDatabase on %s', (engine) => {
  let database: TestDatabase;
  let handle: DatabaseHandle;

  beforeEach(async () => {
    const opened = await setupMigratedDatabase(engine);
    ({ database, handle } = opened);
    return opened.teardown;
  });

  it('runs the engine’s statements outside a transaction and keeps every row', async () => {
    await insertTokens(handle, 3);
    const before = await handle.db.selectFrom('tokens').selectAll().orderBy('id').execute();
    const told: string[] = [];

    const result = await vacuumDatabase(handle, { onStatement: (s) => told.push(s) });

    const expected = engine === 'postgres' ? ['VACUUM ANALYZE'] : ['VACUUM', 'PRAGMA optimize'];
    expect(told).toEqual(expected);
    expect(result).toMatchObject({ engine, statements: expected });
    expect(result.bytesBefore).toBeGreaterThan(0);
    expect(await handle.db.selectFrom('tokens').selectAll().orderBy('id').execute()).toEqual(
      before,
    );
  });

  it('`ctrip db vacuum` names what it runs and exits 0', async () => {
    await handle.close();
    const result = await runCtrip(['db', 'vacuum'], database.env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      engine === 'postgres' ? 'running VACUUM ANALYZE' : 'running VACUUM',
    );
    expect(result.stdout).toMatch(/done in \d+ ms; size .+ → .+/);
  });
});

describe('vacuumDatabase reclaiming space on sqlite', () => {
  let handle: DatabaseHandle;

  beforeEach(async () => {
    const opened = await setupMigratedDatabase('sqlite');
    handle = opened.handle;
    return opened.teardown;
  });

  it('gives the space of deleted rows back to the disk', async () => {
    await insertTokens(handle, 2_000);
    await handle.db.deleteFrom('tokens').execute();

    const result = await vacuumDatabase(handle);

    expect(result.bytesAfter).toBeLessThan(result.bytesBefore / 2);
  });
});

async function insertTokens(handle: DatabaseHandle, count: number): Promise<void> {
  const rows = Array.from({ length: count }, (_, i) =>
    tokenRow({
      chain: 'anvil',
      address: `0x${i.toString(16).padStart(40, '0')}`,
      symbol: `T${i}`.padEnd(200, '.'),
    }),
  );
  // Batches stay under SQLite's limit on bound parameters per statement.
  for (let i = 0; i < rows.length; i += 100) {
    await handle.db
      .insertInto('tokens')
      .values(rows.slice(i, i + 100))
      .execute();
  }
}
