import { Command, CommanderError } from 'commander';
import { userMessage } from '../../shared/errors.js';
import { toFailure } from '../core/api.js';
import { appVersion } from '../core/app-version.js';
import { ToldFailure, UsageError } from './cli-support.js';
import { registerBackup } from './commands/backup.js';
import { registerClients } from './commands/clients.js';
import { registerConnect } from './commands/connect.js';
import { registerConnections } from './commands/connections.js';
import { registerCreate } from './commands/create.js';
import { registerExport } from './commands/export.js';
import { registerImport } from './commands/import.js';
import { registerStats } from './commands/stats.js';
import { registerSummary } from './commands/summary.js';
import { registerSync } from './commands/sync.js';
import { registerTimeline } from './commands/timeline.js';

/** `phr-vault`: the vault from a terminal, for scripting, for tests and for people who prefer it. */
export function buildProgram(): Command {
  const program = new Command('phr-vault')
    .description('Your health records from every hospital and clinic, in one encrypted vault.')
    .version(appVersion())
    .showHelpAfterError()
    .exitOverride();
  registerCreate(program);
  registerConnect(program);
  registerConnections(program);
  registerClients(program);
  registerImport(program);
  registerExport(program);
  registerStats(program);
  registerBackup(program);
  registerSummary(program);
  registerSync(program);
  registerTimeline(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version "errors" are how commander says it printed what was asked.
      return error.exitCode === 0 ||
        error.code === 'commander.helpDisplayed' ||
        error.code === 'commander.version'
        ? 0
        : 2;
    }
    if (error instanceof ToldFailure) return 1;
    if (error instanceof UsageError) {
      process.stderr.write(`phr-vault: ${error.message}\n`);
      return 2;
    }
    const failure = toFailure(error);
    process.stderr.write(`phr-vault: ${failure.message || userMessage('internal')}\n`);
    return 1;
  }
}
