import type { Command } from 'commander';
import { createApiKey, listApiKeys, parseScopes, revokeApiKey } from '../../api-keys/index.ts';
import { DEFAULT_STORE_NAME, findStore, listStores } from '../../stores/index.ts';
import { readSettings, withDatabase } from '../context.ts';
import { printJson, printLine, printTable, warn } from '../output.ts';

const SHOWN_ONCE =
  'this is the only time the key is shown: cTrip keeps only a hash of it, so store it now';

/** A whole key as pasted by someone revoking a leaked one; group 1 is its prefix. */
const WHOLE_KEY = /^(ctrip_[a-z0-9]{10})_.+$/;

export function registerKeysCommand(program: Command): void {
  const keys = program.command('keys').description('make, list and revoke merchant API keys');

  keys
    .command('create')
    .description('make an API key for a store (the default store unless --store); shown once')
    .requiredOption('--name <name>', 'what the key is for, e.g. "shop backend" (1 to 100 chars)')
    .option(
      '--scopes <list>',
      'comma-separated: payments:read, payments:write, webhooks:manage (default: payments:read,payments:write)',
    )
    .option('--store <name-or-id>', `the store the key acts for (default: ${DEFAULT_STORE_NAME})`)
    .option('--json', 'print JSON: {id, key, prefix, scopes}')
    .action(async (options: { name: string; scopes?: string; store?: string; json?: boolean }) => {
      // Checked before the database is opened: a typo in a scope writes nothing.
      const scopes = parseScopes(options.scopes);
      const settings = readSettings();
      const { created, storeName } = await withDatabase(settings, async (handle) => {
        const store = await findStore(handle.db, options.store ?? DEFAULT_STORE_NAME);
        const created = await createApiKey(handle.db, {
          storeId: store.id,
          name: options.name,
          scopes,
          pepper: settings.secretKey,
        });
        return { created, storeName: store.name };
      });
      if (options.json) {
        printJson({
          id: created.id,
          key: created.key,
          prefix: created.prefix,
          scopes: created.scopes,
        });
        // stdout stays pure JSON for scripts; the person running them still sees this.
        warn(SHOWN_ONCE);
        return;
      }
      printLine(`created API key "${created.name}" for store "${storeName}"`);
      printLine(`  id      ${created.id}`);
      printLine(`  prefix  ${created.prefix}`);
      printLine(`  scopes  ${created.scopes.join(', ')}`);
      printLine();
      printLine(created.key);
      printLine();
      printLine(`${SHOWN_ONCE}.`);
    });

  keys
    .command('list')
    .description('API keys, oldest first: prefix, name, store, scopes, use and revocation')
    .option('--store <name-or-id>', 'only the keys of this store')
    .option('--json', 'print JSON')
    .action(async (options: { store?: string; json?: boolean }) => {
      const settings = readSettings();
      const { summaries, storeNames } = await withDatabase(settings, async (handle) => {
        const storeId = options.store ? (await findStore(handle.db, options.store)).id : undefined;
        const stores = await listStores(handle.db);
        return {
          summaries: await listApiKeys(handle.db, { storeId }),
          storeNames: new Map(stores.map((s) => [s.id, s.name])),
        };
      });
      const rows = summaries.map((k) => ({
        id: k.id,
        prefix: k.prefix,
        name: k.name,
        store: storeNames.get(k.storeId) ?? k.storeId,
        store_id: k.storeId,
        scopes: k.scopes,
        created_at: k.createdAt.toISOString(),
        last_used_at: k.lastUsedAt?.toISOString() ?? null,
        revoked_at: k.revokedAt?.toISOString() ?? null,
      }));
      if (options.json) {
        printJson(rows);
        return;
      }
      if (rows.length === 0) {
        printLine(options.store ? `store "${options.store}" has no API keys` : 'no API keys yet');
        return;
      }
      printTable([
        ['id', 'prefix', 'name', 'store', 'scopes', 'created', 'last used', 'revoked'],
        ...rows.map((r) => [
          r.id,
          r.prefix,
          r.name,
          r.store,
          r.scopes.join(','),
          r.created_at,
          r.last_used_at ?? '-',
          r.revoked_at ?? '-',
        ]),
      ]);
    });

  keys
    .command('revoke')
    .argument('<id-or-prefix>', 'the key id or its prefix (ctrip_xxxxxxxxxx), as `keys list` shows')
    .description('revoke a key at once: requests with it are refused from now on')
    .option('--json', 'print JSON')
    .action(async (idOrPrefix: string, options: { json?: boolean }) => {
      // A leaked key pasted whole is revoked by its prefix, so its secret part never reaches
      // the database query or an error message.
      const target = WHOLE_KEY.exec(idOrPrefix)?.[1] ?? idOrPrefix;
      const settings = readSettings();
      const now = new Date();
      const revoked = await withDatabase(settings, (handle) =>
        revokeApiKey(handle.db, target, now),
      );
      const already = revoked.revokedAt !== null && revoked.revokedAt.getTime() !== now.getTime();
      if (options.json) {
        printJson({
          id: revoked.id,
          prefix: revoked.prefix,
          name: revoked.name,
          revoked_at: revoked.revokedAt?.toISOString() ?? null,
        });
        return;
      }
      printLine(
        already
          ? `API key ${revoked.prefix} ("${revoked.name}") was already revoked at ${revoked.revokedAt?.toISOString()}`
          : `revoked API key ${revoked.prefix} ("${revoked.name}")`,
      );
    });
}
