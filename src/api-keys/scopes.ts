/** What an API key may do. A key is given the scopes it needs, nothing more. */
export const SCOPES = ['payments:read', 'payments:write', 'webhooks:manage'] as const;

export type Scope = (typeof SCOPES)[number];

/** Scopes a key gets when none are named: everything a shop's backend needs to take payments. */
export const DEFAULT_SCOPES: readonly Scope[] = ['payments:read', 'payments:write'];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}
