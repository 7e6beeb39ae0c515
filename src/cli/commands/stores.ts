import type { Command } from 'commander';
import { createStore, listStores } from '../../stores/index.ts';
import { readSettings, withDatabase } from '../context.ts';
import { printJson, printLine, printTable } from '../output.ts';

export function registerStoresCommand(program: Command): void {
  const stores = program
    .command('stores')
    .description('the stores (shops) payments and API keys belong to');

  stores
    .command('create')
    .description('add a store; API keys made with `--store NAME` take payments for it')
    .requiredOption('--name <name>', 'a unique name: letters, digits, spaces, . _ -')
    .option('--json', 'print JSON')
    .action(async (options: { name: string; json?: boolean }) => {
      const settings = readSettings();
      const store = await withDatabase(settings, (handle) => createStore(handle.db, options.name));
      if (options.json) {
        printJson({ id: store.id, name: store.name });
        return;
      }
      printLine(`created store "${store.name}" (id ${store.id})`);
    });

  stores
    .command('list')
    .description('every store, oldest first')
    .option('--json', 'print JSON')
    .action(async (options: { json?: boolean }) => {
      const settings = readSettings();
      const all = await withDatabase(settings, (handle) => listStores(handle.db));
      if (options.json) {
        printJson(
          all.map((s) => ({ id: s.id, name: s.name, created_at: s.createdAt.toISOString() })),
        );
        return;
      }
      printTable([
        ['name', 'id', 'created'],
        ...all.map((s) => [s.name, s.id, s.createdAt.toISOString()]),
      ]);
    });
}
