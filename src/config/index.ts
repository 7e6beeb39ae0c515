export type {
  ChainConfig,
  ConfirmationRule,
  NativeCoinConfig,
  TokenConfig,
} from './chains-file.ts';
export { type DatabaseTarget, describeDatabaseTarget, parseDatabaseUrl } from './database-url.ts';
export { ConfigError, type ConfigIssue } from './errors.ts';
export { Secret } from './secret.ts';
export {
  type DatabaseSettings,
  DEVELOPMENT_SECRET_KEY,
  type DepositKeySettings,
  type Environment,
  type HttpSettings,
  type LoadSettingsOptions,
  type LogLevel,
  loadSettings,
  type PaymentSettings,
  type SettingReport,
  type Settings,
} from './settings.ts';
