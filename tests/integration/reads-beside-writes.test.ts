import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type * as CoreClient from '../../electron/core/worker/core-client.js';
import { openReadConnection, openVaultDatabase } from '../../electron/core/vault/database.js';
import { newDataKey } from '../../electron/core/vault/key-wrapping.js';
import type { Result } from '../../shared/ipc/contract.js';
import { imported } from '../../testkit/chosen-files.js';
import { repoRoot } from '../support/cli.js';
import { PASSPHRASE } from '../support/connected-vault.js';
import { syntheticResources } from '../../testkit/synthetic-patient.js';
import { fileOnDisk } from '../support/file-on-disk.js';
import { FAST_SCRYPT, tempDir } from '../support/temp-dir.js';

/**
 * The app's core as main and the host run it: a writer worker and a read worker, each with its own
 * connection to the vault. Loaded from dist/ because workers start from built files (npm test
 * builds first).
 */
const { startCoreWorker } = (await import(
  `${repoRoot}dist/electron/core/worker/core-client.js`
)) as typeof CoreClient;

type Core = ReturnType<typeof CoreClient.startCoreWorker>;
let core: Core | undefined;
afterEach(async () => {
  await core?.close();
  core = undefined;
});

async function ask<T>(channel: string, request: unknown = {}): Promise<T> {
  const result = (await core!.dispatch(channel, request)) as Result<T>;
  if (!result.ok) throw new Error(`${channel}: ${result.error.kind}: ${result.error.message}`);
  return result.value;
}

/** One synthetic patient's records as NDJSON, the Patient first. */
function ndjson(records: number, seed: number): string {
  let text = '';
  for (const resource of syntheticResources({ seed, resources: records }))
    text += `${JSON.stringify(resource)}\n`;
  return text;
}

async function unlockedCore(): Promise<{ personId: number }> {
  core = startCoreWorker({
    vaultPath: join(tempDir('phr-vault-readers-'), 'vault.phrvault'),
    transport: 'host',
    appVersion: 'test',
    scrypt: FAST_SCRYPT,
    sync: { automatic: false },
  });
  await ask('vault.create', { passphrase: PASSPHRASE, ownerName: 'Test Patient' });
  const [owner] = await ask<{ id: number }[]>('persons.list');
  return { personId: owner!.id };
}

const importFile = (personId: number, fileName: string, text: string) =>
  imported(core!, fileOnDisk(fileName, text), personId);

describe('reads beside writes', () => {
  it('answers timeline pages and the Summary while an import is writing, and sees what it committed', async () => {
    const { personId } = await unlockedCore();
    await importFile(personId, 'earlier.ndjson', ndjson(2_000, 1));
    const before = await ask<{ total: number }>('records.stats', { personId });

    // A large import: in one worker, every read below would wait until it ended.
    let importing = true;
    const imported = importFile(personId, 'large.ndjson', ndjson(20_000, 2)).finally(() => {
      importing = false;
    });
    let pagesDuring = 0;
    let summariesDuring = 0;
    while (importing) {
      const page = await ask<{ entries: unknown[] }>('timeline.page', { personId, limit: 100 });
      expect(page.entries).toHaveLength(100);
      const summary = await ask<Record<string, unknown>>('summary.get', { personId });
      expect(summary).toBeTypeOf('object');
      if (importing) {
        pagesDuring++;
        summariesDuring++;
      }
    }
    await imported;
    expect(pagesDuring).toBeGreaterThanOrEqual(3);
    expect(summariesDuring).toBeGreaterThanOrEqual(3);

    // Once the import has committed, the read connection sees all of it.
    const after = await ask<{ total: number }>('records.stats', { personId });
    expect(after.total).toBeGreaterThan(before.total + 15_000);
  });

  it('hands a read that must write to the writer (a person’s first look at what is new), and reads nothing once locked', async () => {
    const { personId } = await unlockedCore();
    await importFile(personId, 'earlier.ndjson', ndjson(200, 3));
    // The first look is stored by the writer; the next one is answered from it.
    expect(await ask<{ since: string | null }>('records.whatsNew', { personId })).toMatchObject({
      since: null,
    });
    expect((await ask<{ since: string | null }>('records.whatsNew', { personId })).since).toEqual(
      expect.any(String),
    );

    await ask('vault.lock');
    const reads: [string, unknown][] = [
      ['timeline.page', { personId, limit: 10 }],
      ['summary.get', { personId }],
      ['persons.list', {}],
    ];
    for (const [channel, request] of reads) {
      const answer = await core!.dispatch(channel, request);
      expect(answer).toMatchObject({ ok: false, error: { kind: 'vault-locked' } });
    }
    await ask('vault.unlock', { passphrase: PASSPHRASE });
    expect(await ask<unknown[]>('persons.list')).toHaveLength(1);
  });
});

describe('a read connection', () => {
  it('cannot write, and sees what the writer commits', () => {
    const path = join(tempDir('phr-vault-readers-'), 'vault.phrvault');
    const key = newDataKey();
    const writer = openVaultDatabase(path, Buffer.from(key), 'create');
    const reader = openReadConnection(path, Buffer.from(key));
    try {
      expect(() => reader.prepare(`INSERT INTO settings (key, value) VALUES ('x', 'y')`).run()).toThrow(
        /readonly/,
      );
      writer.prepare(`INSERT INTO settings (key, value) VALUES ('x', 'y')`).run();
      expect(reader.prepare(`SELECT value FROM settings WHERE key = 'x'`).pluck().get()).toBe('y');
      // The reader keeps the file in the WAL: a long write cannot switch it to a rollback journal.
      expect(writer.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      reader.close();
      writer.close();
    }
  });
});
