import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { createApiKey, SCOPES } from '../api-keys/index.ts';
import type { Settings } from '../config/index.ts';
import type { Database } from '../db/models/index.ts';
import { DEFAULT_STORE_NAME, findStore } from '../stores/index.ts';

const KEY_FILE = 'development-api-key';

/**
 * The development API key `ctrip start` makes on a first run, so a newcomer can call the API
 * at once. Development only: it is kept in the data folder (mode 600) so later runs can show
 * it again; production keys come from `ctrip keys create` and are shown once.
 */
export async function ensureDevelopmentKey(
  db: Kysely<Database>,
  settings: Settings,
  dataDir: string,
): Promise<{ key: string; created: boolean } | null> {
  if (settings.env !== 'development') return null;
  const file = join(dataDir, KEY_FILE);
  if (existsSync(file)) {
    const key = readFileSync(file, 'utf8').trim();
    const prefix = key.split('_').slice(0, 2).join('_');
    const row = await db
      .selectFrom('api_keys')
      .select(['id', 'revoked_at'])
      .where('prefix', '=', prefix)
      .executeTakeFirst();
    if (row && row.revoked_at === null) return { key, created: false };
  }
  const store = await findStore(db, DEFAULT_STORE_NAME);
  const created = await createApiKey(db, {
    storeId: store.id,
    name: 'development (ctrip start)',
    // Every scope, so a newcomer can try webhooks too; production keys get only what they need.
    scopes: SCOPES,
    pepper: settings.secretKey,
  });
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${created.key}\n`, { mode: 0o600 });
  return { key: created.key, created: true };
}

/** What a newcomer needs to make a first payment, printed once the gateway listens. */
export function describeFirstSteps(params: {
  apiUrl: string;
  key: string;
  created: boolean;
  keyFile: string;
  chain: string | undefined;
  token: string | undefined;
}): string {
  const lines = [
    '',
    params.created
      ? `Development API key (created now; kept in ${params.keyFile}):`
      : `Development API key (from ${params.keyFile}):`,
    `  ${params.key}`,
    '',
    `API docs: ${params.apiUrl}/docs`,
  ];
  if (params.chain && params.token) {
    lines.push(
      '',
      'Create a payment:',
      `  curl -s -X POST ${params.apiUrl}/v1/payments \\`,
      `    -H "Authorization: Bearer ${params.key}" -H "Content-Type: application/json" \\`,
      `    -d '{"chain": "${params.chain}", "token": "${params.token}", "amount": "10"}'`,
      '',
      'Then open its checkout_url, or pay it from a funded devnet account:',
      '  npx ctrip devnet pay <payment id>',
    );
  }
  return `${lines.join('\n')}\n`;
}
