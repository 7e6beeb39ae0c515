import type { Kysely } from 'kysely';
import type { ChainConfig } from '../config/chains-file.ts';
import type { Secret } from '../config/secret.ts';
import type { WebhookSettings } from '../config/settings.ts';
import type { Database } from '../db/models/index.ts';
import type { Logger } from '../logger.ts';

/** What the webhook functions need, passed in by the job runner (or a test). */
export interface WebhookDeps {
  readonly db: Kysely<Database>;
  /** settings.webhooks */
  readonly settings: WebhookSettings;
  /** settings.secretKey: opens the sealed endpoint secrets. */
  readonly secretKey: Secret;
  /** settings.http.publicUrl: checkout links in the payment view. */
  readonly publicUrl: string;
  /** For the chain ids in the payment view. */
  readonly chains: readonly ChainConfig[];
  readonly logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Not for production: the retry delays instead of RETRY_DELAYS_MS (tests use short ones). */
  readonly retrySchedule?: readonly number[];
  /** Not for production: the clock. */
  readonly now?: () => Date;
}

export function clockOf(deps: Pick<WebhookDeps, 'now'>): Date {
  return deps.now?.() ?? new Date();
}
