import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src/', import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

const files = sourceFiles(SRC).map((path) => ({
  path: relative(SRC, path),
  text: readFileSync(path, 'utf8'),
}));

describe('layers', () => {
  it('only config reads process.env (the pg tools are handed the environment they run in)', () => {
    const readers = files
      .filter((f) => /process\.env\b/.test(f.text))
      .map((f) => f.path)
      .filter((p) => !p.startsWith('config/'));
    expect(readers).toEqual(['db/maintenance/run-postgres-tool.ts']);
  });

  it('infrastructure (config, db) never imports the CLI', () => {
    const offenders = files
      .filter((f) => /^(config|db)\//.test(f.path))
      .filter((f) => /from '(\.\.\/)+cli\//.test(f.text))
      .map((f) => f.path);
    expect(offenders).toEqual([]);
  });

  it('no module outside db/ imports a database driver directly', () => {
    const offenders = files
      .filter((f) => !f.path.startsWith('db/'))
      .filter((f) => /from '(pg|better-sqlite3)'/.test(f.text))
      .map((f) => f.path);
    expect(offenders).toEqual([]);
  });

  it('the domain (payments, scanner) imports no CLI, HTTP or job-queue code', () => {
    const offenders = files
      .filter((f) => /^(payments|scanner|webhooks|sweeper)\//.test(f.path))
      .filter((f) => /from '((\.\.\/)+(cli|http|jobs)\/|fastify|bullmq|commander)/.test(f.text))
      .map((f) => f.path);
    expect(offenders).toEqual([]);
  });

  it('infrastructure (config, db, chains, wallet) never imports the domain or the layers above it', () => {
    const offenders = files
      .filter((f) => /^(config|db|chains|wallet)\//.test(f.path))
      .filter((f) =>
        /from '(\.\.\/)+(payments|scanner|webhooks|sweeper|jobs|http|cli)\//.test(f.text),
      )
      .map((f) => f.path);
    expect(offenders).toEqual([]);
  });

  it('only chains/ talks to an RPC endpoint (viem transports and clients)', () => {
    const offenders = files
      // devnet/ is a dev tool that deploys contracts and sends payments on a local chain.
      .filter((f) => !f.path.startsWith('chains/') && !f.path.startsWith('devnet/'))
      .filter((f) => importsFromViem(f.text).some((name) => TRANSPORTS.has(name)))
      .map((f) => f.path);
    expect(offenders).toEqual([]);
  });
});

/** What makes a module talk to an endpoint: viem's clients and transports. */
const TRANSPORTS = new Set([
  'createPublicClient',
  'createWalletClient',
  'createClient',
  'createTestClient',
  'http',
  'webSocket',
  'fallback',
  'custom',
]);

/** The names a module imports from 'viem' (or a 'viem/…' entry point). */
function importsFromViem(text: string): string[] {
  const names: string[] = [];
  for (const match of text.matchAll(
    /import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*'viem(?:\/[^']*)?'/g,
  )) {
    for (const part of (match[1] ?? '').split(',')) {
      const name = part
        .trim()
        .replace(/^type\s+/, '')
        .split(/\s+as\s+/)[0];
      if (name) names.push(name);
    }
  }
  return names;
}
