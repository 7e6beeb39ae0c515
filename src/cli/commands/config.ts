import type { Command } from 'commander';
import { describeDatabaseTarget } from '../../config/index.ts';
import { readSettings } from '../context.ts';
import { printJson, printLine, printTable } from '../output.ts';

export function registerConfigCommand(program: Command): void {
  program
    .command('config')
    .description('print the effective settings (secrets redacted) and where each came from')
    .option('--json', 'machine-readable output')
    .action((options: { json?: boolean }) => {
      const settings = readSettings();
      if (options.json) {
        printJson({
          env: settings.env,
          database: describeDatabaseTarget(settings.database.target),
          settings: settings.report,
        });
        return;
      }
      printLine(`environment: ${settings.env}`);
      printLine(`database:    ${describeDatabaseTarget(settings.database.target)}`);
      printLine();
      printTable([
        ['VARIABLE', 'VALUE', 'SOURCE'],
        ...settings.report.map((r) => [r.variable, r.value ?? '(unset)', r.source]),
      ]);
    });
}
