import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, runCtrip } from '../../../test/cli.ts';
import { engines, setupDatabase, type TestDatabase } from '../../../test/database.ts';
import { authenticateApiKey, listApiKeys } from '../../api-keys/index.ts';
import { loadSettings } from '../../config/index.ts';
import type { Secret } from '../../config/secret.ts';
import { createDatabase, type DatabaseHandle } from '../../db/create-database.ts';
import { DEFAULT_STORE_NAME, findStore } from '../../stores/index.ts';

const SECRET_KEY = 'cli-test-secret-key-0f3a9c7e5b1d2f4a6c8e0b2d4f6a8c0e';
const WHOLE_KEY = /^ctrip_[a-z0-9]{10}_[A-Za-z0-9_-]{32}$/;
const SHOWN_ONCE = 'this is the only time the key is shown';

function expectSuccess(result: CliResult): void {
  expect(result.code, result.stderr).toBe(0);
}

/** The part of a key that must never be printed again after `keys create`. */
function secretPartOf(key: string): string {
  return key.split('_').slice(2).join('_');
}

// The commands run as an operator runs them, in their own processes; these tests share one
// database per engine and build on each other in order, to keep the number of spawns down.
describe.each(engines)(
  'ctrip stores and keys on %s',
  (engine) => {
    let database: TestDatabase;
    let env: Record<string, string>;
    let handle: DatabaseHandle;
    // The pepper the spawned commands use, read the same way they read it.
    let pepper: Secret;
    let shopId: string;
    const made: { key: string; prefix: string; id: string }[] = [];

    beforeAll(async () => {
      database = await setupDatabase(engine);
      env = { ...database.env, SECRET_KEY };
      expectSuccess(await runCtrip(['migrate', 'upgrade'], env));
      handle = createDatabase(database.settings);
      pepper = loadSettings({ env, envFile: null }).secretKey;
    }, 120_000);
    afterAll(async () => {
      await handle?.close();
      await database?.drop();
    });

    const ctrip = (...args: string[]) => runCtrip(args, env, { timeoutMs: 110_000 });

    it('stores create adds a store that stores list shows after the default one', async () => {
      const created = await ctrip('stores', 'create', '--name', 'shop-b', '--json');
      expectSuccess(created);
      const store = JSON.parse(created.stdout) as { id: string; name: string };
      expect(Object.keys(store)).toEqual(['id', 'name']);
      expect(store.name).toBe('shop-b');
      shopId = store.id;

      const listed = await ctrip('stores', 'list', '--json');
      expectSuccess(listed);
      const stores = JSON.parse(listed.stdout) as { id: string; name: string }[];
      expect(stores.map((s) => [s.id, s.name])).toEqual([
        [(await findStore(handle.db, DEFAULT_STORE_NAME)).id, DEFAULT_STORE_NAME],
        [shopId, 'shop-b'],
      ]);
    });

    it('keys create --json prints exactly {id, key, prefix, scopes}; the key authenticates for the default store', async () => {
      const result = await ctrip('keys', 'create', '--name', 'shop backend', '--json');
      expectSuccess(result);
      const created = JSON.parse(result.stdout) as Record<string, unknown>;
      expect(Object.keys(created)).toEqual(['id', 'key', 'prefix', 'scopes']);
      const key = created.key as string;
      expect(key).toMatch(WHOLE_KEY);
      expect(key.startsWith(`${created.prefix}_`)).toBe(true);
      expect(created.scopes).toEqual(['payments:read', 'payments:write']);
      expect(result.stderr).toContain(SHOWN_ONCE);
      made.push({ key, prefix: created.prefix as string, id: created.id as string });

      const defaultStore = await findStore(handle.db, DEFAULT_STORE_NAME);
      expect(await authenticateApiKey(handle.db, key, pepper)).toEqual({
        id: created.id,
        storeId: defaultStore.id,
        scopes: ['payments:read', 'payments:write'],
      });
    });

    it('keys create --store --scopes makes a key for that store, printed once with a warning', async () => {
      const result = await ctrip(
        'keys',
        'create',
        '--name',
        'reporting',
        '--store',
        'shop-b',
        '--scopes',
        'payments:read',
      );
      expectSuccess(result);
      const keys = result.stdout.split('\n').filter((line) => WHOLE_KEY.test(line));
      expect(keys).toHaveLength(1);
      const key = keys[0] as string;
      expect(result.stdout.split(secretPartOf(key))).toHaveLength(2);
      expect(result.stdout).toContain('for store "shop-b"');
      expect(result.stdout).toContain(SHOWN_ONCE);

      const authenticated = await authenticateApiKey(handle.db, key, pepper);
      expect(authenticated).toMatchObject({ storeId: shopId, scopes: ['payments:read'] });
      made.push({ key, prefix: key.slice(0, 16), id: authenticated?.id ?? '' });
    });

    it('keys list shows each key with its store and scopes, never a key or its hash; --store narrows it', async () => {
      const [all, shop] = await Promise.all([
        ctrip('keys', 'list', '--json'),
        ctrip('keys', 'list', '--store', 'shop-b'),
      ]);
      expectSuccess(all);
      expectSuccess(shop);
      const hashes = (await handle.db.selectFrom('api_keys').select('hash').execute()).map(
        (r) => r.hash,
      );
      expect(hashes).toHaveLength(2);
      for (const output of [all.stdout, shop.stdout]) {
        for (const { key } of made) expect(output).not.toContain(secretPartOf(key));
        for (const hash of hashes) expect(output).not.toContain(hash);
      }

      const rows = JSON.parse(all.stdout) as Record<string, unknown>[];
      expect(rows.map((r) => [r.prefix, r.name, r.store, r.scopes, r.last_used_at])).toEqual([
        [
          made[0]?.prefix,
          'shop backend',
          DEFAULT_STORE_NAME,
          ['payments:read', 'payments:write'],
          expect.any(String),
        ],
        [made[1]?.prefix, 'reporting', 'shop-b', ['payments:read'], expect.any(String)],
      ]);
      expect(rows.every((r) => r.revoked_at === null)).toBe(true);

      const lines = shop.stdout.trimEnd().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(
        /^id\s+prefix\s+name\s+store\s+scopes\s+created\s+last used\s+revoked$/,
      );
      expect(lines[1]).toContain(made[1]?.prefix);
      expect(lines[1]).toContain('reporting');
    });

    it('keys revoke by prefix refuses that key from then on and leaves the others working', async () => {
      const [first, second] = made;
      const result = await ctrip('keys', 'revoke', second?.prefix ?? '', '--json');
      expectSuccess(result);
      expect(JSON.parse(result.stdout)).toMatchObject({ id: second?.id, prefix: second?.prefix });

      expect(await authenticateApiKey(handle.db, second?.key ?? '', pepper)).toBeNull();
      expect(await authenticateApiKey(handle.db, first?.key ?? '', pepper)).not.toBeNull();
      const revoked = (await listApiKeys(handle.db)).map((k) => [k.prefix, k.revokedAt !== null]);
      expect(revoked).toEqual([
        [first?.prefix, false],
        [second?.prefix, true],
      ]);
    });

    it('each mistake is one line on stderr and a non-zero exit, and writes nothing', async () => {
      const snapshot = async () => ({
        stores: await handle.db.selectFrom('stores').selectAll().orderBy('id').execute(),
        keys: await handle.db.selectFrom('api_keys').selectAll().orderBy('id').execute(),
      });
      const before = await snapshot();
      const leakedSecret = 'S'.repeat(32);
      const cases: [string[], string][] = [
        [
          ['keys', 'create', '--name', 'x', '--scopes', 'payments:read,payments:refund'],
          'error: unknown scope payments:refund; scopes are payments:read, payments:write, webhooks:manage',
        ],
        [['keys', 'create', '--name', 'x', '--store', 'nope'], 'error: no store named "nope"'],
        [['keys', 'create', '--name', '  '], 'error: an API key name is 1 to 100 characters'],
        [['keys', 'revoke', 'ctrip_zzzzzzzzzz'], 'error: no API key ctrip_zzzzzzzzzz'],
        // A whole key is looked up by its prefix: the secret part is not echoed back.
        [
          ['keys', 'revoke', `ctrip_zzzzzzzzzz_${leakedSecret}`],
          'error: no API key ctrip_zzzzzzzzzz',
        ],
        [['stores', 'create', '--name', 'shop-b'], 'error: a store named "shop-b" already exists'],
      ];
      // Two at a time, one per core: all at once, on a busy machine, outlast runCtrip's limit.
      const results: CliResult[] = [];
      for (let i = 0; i < cases.length; i += 2) {
        results.push(...(await Promise.all(cases.slice(i, i + 2).map(([args]) => ctrip(...args)))));
      }
      results.forEach((result, i) => {
        const [args, message] = cases[i] as [string[], string];
        expect({ args, code: result.code, stdout: result.stdout, stderr: result.stderr }).toEqual({
          args,
          code: 1,
          stdout: '',
          stderr: `${message}\n`,
        });
      });
      expect(await snapshot()).toEqual(before);
    });
    // Each test spawns `ctrip`, which runs from sources through tsx when dist/ is older than
    // them: seconds per process on a busy two-core machine, not the usual half second.
  },
  120_000,
);
