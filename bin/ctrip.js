#!/usr/bin/env node
// The CLI entry point. TypeScript sources (including migrations) load through tsx's
// loader, so `npx ctrip` works right after `npm ci` with no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
