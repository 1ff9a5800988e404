import type { Command } from 'commander';
import type { SummaryEntry } from '../../../shared/domain.js';
import { patientSummary } from '../../core/records/summary.js';
import { json, personFor, withVault } from '../cli-support.js';

const FLAG_WORDS: Record<string, string> = {
  'critical-high': 'very high',
  'critical-low': 'very low',
  critical: 'critical',
  high: 'high',
  low: 'low',
  abnormal: 'abnormal',
};

function line(e: SummaryEntry): string {
  const parts = [e.title];
  if (e.value && (e.category === 'labs' || e.category === 'vitals')) parts.push(e.value);
  if (e.flag) parts.push(`(${FLAG_WORDS[e.flag] ?? e.flag})`);
  if (e.date) parts.push(`· ${e.date.slice(0, 10)}`);
  if (e.alsoFrom && e.alsoFrom.length > 0) parts.push(`· also from ${e.alsoFrom.join(', ')}`);
  return `  ${parts.join(' ')}\n`;
}

export function registerSummary(program: Command): void {
  program
    .command('summary')
    .description(
      'what is going on now: current medications, active problems, allergies, immunizations, flagged results, latest vital signs',
    )
    .requiredOption('--vault <file>', 'the vault file')
    .option('--person <name>', 'whose summary (default: the vault’s first person)')
    .option('--json', 'print the result as JSON')
    .action(async (opts: { vault: string; person?: string; json?: boolean }) => {
      await withVault(opts.vault, (db) => {
        const person = personFor(db, opts.person, false);
        const summary = patientSummary(db, person.id);
        if (opts.json) {
          json({ person, ...summary });
          return;
        }
        const sections: [string, SummaryEntry[], string][] = [
          ['Current medications', summary.medications, 'none recorded'],
          ['Active problems', summary.problems, 'none recorded'],
          ['Allergies', summary.allergies, summary.noKnownAllergies ? 'no known allergies' : 'none recorded'],
          ['Immunizations', summary.immunizations, 'none recorded'],
          ['Results to look at', summary.flagged, 'none flagged'],
          ['Latest vital signs', summary.vitals, 'none recorded'],
        ];
        for (const [title, entries, none] of sections) {
          process.stdout.write(`${title}\n`);
          if (entries.length === 0) process.stdout.write(`  ${none}\n`);
          for (const e of entries) process.stdout.write(line(e));
        }
      });
    });
}
