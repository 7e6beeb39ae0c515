/**
 * Creates payments in the database DATABASE_URL_DEV names, as one more gateway process would:
 *
 *   node bin/run-ts.js test/scripts/create-payments.ts CHAIN TOKEN COUNT
 *
 * The chain's tokens must be synced already. It connects, prints `ready`, and waits for a line
 * on stdin before creating anything, so a test can start several of these at the same moment.
 * Payments are created `BATCH` at a time, concurrently; it prints `created N` and exits 0, or
 * prints the error and exits 1.
 */
import { createInterface } from 'node:readline';
import { loadSettings } from '../../src/config/index.ts';
import { createDatabase } from '../../src/db/create-database.ts';
import { createPayment } from '../../src/payments/create-payment.ts';
import { createDepositAddressDeriver } from '../../src/wallet/index.ts';

const BATCH = 10;

const [chain, token, countText] = process.argv.slice(2);
const count = Number(countText);
if (!chain || !token || !Number.isInteger(count) || count < 1) {
  console.error('usage: create-payments.ts CHAIN TOKEN COUNT');
  process.exit(2);
}

// Only what the test passes: a developer's .env in the repository must not leak in.
const settings = loadSettings({ envFile: null });
const keys = settings.depositKeys;
const deriver = createDepositAddressDeriver(
  keys.kind === 'mnemonic'
    ? { kind: 'mnemonic', mnemonic: keys.mnemonic.reveal() }
    : { kind: 'xpub', xpub: keys.xpub },
);
const database = createDatabase(settings.database);
const deps = {
  db: database.db,
  deriver,
  policy: {
    defaultLifetimeSeconds: settings.payments.defaultLifetimeSeconds,
    lateWindowSeconds: settings.payments.lateWindowSeconds,
  },
};

try {
  await database.ping();
  process.stdout.write('ready\n');
  await waitForGo();
  let created = 0;
  while (created < count) {
    const batch = Math.min(BATCH, count - created);
    await Promise.all(
      Array.from({ length: batch }, (_, i) =>
        createPayment(deps, { chain, token, amount: `${created + i + 1}` }),
      ),
    );
    created += batch;
  }
  process.stdout.write(`created ${created}\n`);
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  await database.close();
}

/** Resolves on the first line; rejects if stdin closes first (the test that started it died). */
function waitForGo(): Promise<void> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: process.stdin });
    let go = false;
    lines.once('line', () => {
      go = true;
      lines.close();
      resolve();
    });
    lines.once('close', () => {
      if (!go) reject(new Error('stdin closed before the go line'));
    });
  });
}
