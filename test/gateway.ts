import { connectChains } from '../src/chains/connect-chains.ts';
import { syncTokens } from '../src/chains/sync-tokens.ts';
import type { ChainConfig } from '../src/config/chains-file.ts';
import type { Engine } from '../src/db/engine.ts';
import type { PaymentDeps } from '../src/payments/create-payment.ts';
import type { ReconcilePolicy } from '../src/payments/reconcile-payments.ts';
import { type ChainScanner, createChainScanner, type ScanStep } from '../src/scanner/scan-chain.ts';
import { createDepositAddressDeriver, DEVELOPMENT_MNEMONIC } from '../src/wallet/index.ts';
import { type OpenDatabase, setupMigratedDatabase } from './database.ts';

/** A logger that keeps what it is told, so tests can assert on loud failures. */
export function createTestLogger() {
  const lines: { level: string; obj: object; msg: string }[] = [];
  const log = (level: string) => (obj: object, msg?: string) => {
    lines.push({ level, obj, msg: msg ?? '' });
  };
  return { lines, info: log('info'), warn: log('warn'), error: log('error') };
}

export interface TestGateway {
  readonly opened: OpenDatabase;
  readonly db: OpenDatabase['handle']['db'];
  readonly payments: PaymentDeps;
  readonly policy: ReconcilePolicy;
  readonly logger: ReturnType<typeof createTestLogger>;
  /** A scanner of the chain with a holder name of its own. */
  scanner(holder?: string, chain?: ChainConfig): Promise<ChainScanner>;
  teardown(): Promise<void>;
}

/**
 * A migrated database of its own with the chain's tokens synced, payment creation wired to
 * the development mnemonic, and scanners on demand: the gateway's domain without HTTP.
 */
export async function startTestGateway(
  engine: Engine,
  chain: ChainConfig,
  policy: ReconcilePolicy = { latePayments: 'accept' },
): Promise<TestGateway> {
  const opened = await setupMigratedDatabase(engine);
  const db = opened.handle.db;
  await syncTokens(db, [chain]);
  const logger = createTestLogger();
  const deriver = createDepositAddressDeriver({ kind: 'mnemonic', mnemonic: DEVELOPMENT_MNEMONIC });
  return {
    opened,
    db,
    policy,
    logger,
    payments: {
      db,
      deriver,
      policy: { defaultLifetimeSeconds: 1800, lateWindowSeconds: 86_400 },
    },
    async scanner(holder = 'test-scanner', config = chain) {
      const { connected } = await connectChains([config], logger);
      const connectedChain = connected[0];
      if (!connectedChain) throw new Error(`chain ${config.name} did not connect`);
      return createChainScanner({
        db,
        client: connectedChain.client,
        chain: config,
        holder,
        policy,
        logger,
      });
    },
    teardown: () => opened.teardown(),
  };
}

/** Runs scan steps until the scanner has caught up with the head; returns the steps. */
export async function scanToHead(scanner: ChainScanner): Promise<ScanStep[]> {
  const steps: ScanStep[] = [];
  for (let i = 0; i < 1000; i++) {
    const step = await scanner.scanOnce();
    steps.push(step);
    if (step.kind === 'idle' || step.kind === 'busy') return steps;
    if (step.kind === 'scanned' && step.caughtUp) return steps;
  }
  throw new Error('the scanner did not catch up in 1000 steps');
}
