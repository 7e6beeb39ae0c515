#!/usr/bin/env node
// The CLI entry point. `npm ci` builds dist/ (the `prepare` script); it is used while it is
// at least as new as every source file. After an edit to src/, the sources run through tsx
// instead, so a stale build never runs — only a slower start until the next `npm run build`.
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function newestSourceMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceMtime(path));
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
      newest = Math.max(newest, statSync(path).mtimeMs);
    }
  }
  return newest;
}

function buildIsFresh() {
  try {
    return statSync(`${root}dist/.build-stamp`).mtimeMs >= newestSourceMtime(`${root}src`);
  } catch {
    return false;
  }
}

if (buildIsFresh()) {
  await import('../dist/cli/main.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
