import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { VaultService } from '../../electron/core/api.js';
import type { TimelineEntry } from '../../shared/domain.js';

/**
 * Reads everything a person's records are shown or handed over through, as the window and the
 * command line ask for it, and says what failed. Each answer must be a value or a refusal in plain
 * words (an empty export is one); an `internal` error, a throw, or an answer the worker or the host
 * could not send (structured clone, JSON) is a failure. Used after hostile imports.
 */
export async function everyViewProblems(service: VaultService, personId: number): Promise<string[]> {
  const problems: string[] = [];
  const ask = async (channel: string, request: unknown): Promise<unknown> => {
    let answer: Awaited<ReturnType<VaultService['dispatch']>>;
    try {
      answer = await service.dispatch(channel, request);
    } catch (error) {
      problems.push(`${channel} threw ${String(error)}`);
      return undefined;
    }
    try {
      // What the core worker and the host do with every answer before the window sees it.
      structuredClone(answer);
      JSON.stringify(answer);
    } catch (error) {
      problems.push(`${channel}'s answer cannot be sent: ${String(error)}`);
    }
    if (!answer.ok) {
      if (answer.error.kind === 'internal') problems.push(`${channel}: ${answer.error.message}`);
      return undefined;
    }
    return answer.value;
  };

  const integrity = service.vault.db.pragma('integrity_check', { simple: true });
  if (integrity !== 'ok') problems.push(`integrity_check: ${String(integrity)}`);

  const entries: TimelineEntry[] = [];
  let cursor: string | null = null;
  do {
    const page = (await ask('timeline.page', { personId, limit: 500, cursor })) as
      { entries: TimelineEntry[]; nextCursor: string | null } | undefined;
    if (!page) break;
    entries.push(...page.entries);
    cursor = page.nextCursor;
  } while (cursor);
  for (const entry of entries) await ask('records.get', { id: entry.id });
  await ask('records.stats', { personId });
  await ask('records.whatsNew', { personId });
  await ask('timeline.counts', { personId });
  await ask('timeline.counts', { personId, query: 'blood' });
  await ask('timeline.find', { personId, query: 'a' });
  await ask('timeline.search', { personId, query: 'a' });
  await ask('summary.get', { personId });
  const choices = (await ask('trends.choices', { personId })) as { code: string }[] | undefined;
  for (const choice of choices ?? []) {
    if (/^[A-Za-z0-9.-]{1,64}$/.test(choice.code))
      await ask('trends.series', { personId, code: choice.code });
  }
  const into = mkdtempSync(join(tmpdir(), 'phr-vault-every-view-'));
  try {
    for (const format of ['ccda', 'fhir', 'ips', 'pdf'] as const) {
      await ask('export.preview', { personId, format });
      await ask('export.toFile', { personId, format, path: join(into, `export.${format}`) });
    }
  } finally {
    rmSync(into, { recursive: true, force: true });
  }
  return problems;
}
