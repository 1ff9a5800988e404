import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { CoreConnection, CoreLimits } from '../../electron/core/worker/core-client.js';
import { CUT_NOTE } from '../../electron/core/records/resource-bounds.js';
import { importConnection } from '../../electron/core/vault/connections.js';
import { addPerson } from '../../electron/core/vault/persons.js';
import { VaultFile } from '../../electron/core/vault/vault-file.js';
import { importChosen } from '../../testkit/chosen-files.js';
import { repoRoot, requireBuild } from '../support/cli.js';
import { labResult } from '../support/fhir-builders.js';
import { fileOnDisk } from '../support/file-on-disk.js';
import { storeResources } from '../support/stored-records.js';
import { FAST_SCRYPT, tempDir } from '../support/temp-dir.js';

/**
 * The core in a real worker thread, as Electron's main and the host run it: the worker file only
 * exists compiled, so the client comes from dist/ (npm test builds first).
 */
type StartCoreWorker = (
  options: Record<string, unknown>,
  ports?: Record<string, unknown>,
  limits?: CoreLimits,
) => CoreConnection;
let startCoreWorker: StartCoreWorker;

const PASS = 'correct horse battery';

/** A resource nested `depth` objects deep, as JSON text (JSON.stringify itself gives up near 5,000). */
function nestedResource(id: string, depth: number): string {
  return `{"resourceType":"Observation","id":"${id}","status":"final","code":{"text":"Deep"},"extension":[${'{"extension":['.repeat(depth)}{"url":"x"}${']}'.repeat(depth)}]}`;
}

/** A vault whose two records hold a resource nested 4,000 and 20,000 levels deep. */
async function vaultWithDeepRecords(): Promise<string> {
  const path = join(tempDir('phr-vault-worker-'), 'vault.phrvault');
  const vault = new VaultFile(path, { scrypt: FAST_SCRYPT });
  await vault.create(PASS);
  const person = addPerson(vault.db, { name: 'Ada', relationship: 'self' });
  const connection = importConnection(vault.db, person.id, 'Imported files');
  storeResources(vault.db, person.id, connection, [
    labResult({ id: 'a', date: '2024-01-01', value: 90 }),
    labResult({ id: 'b', date: '2024-01-02', value: 91 }),
    labResult({ id: 'c', date: '2024-01-03', value: 92 }),
  ]);
  // Written as an older version or another program could have: the import bound is not the point.
  const setRaw = vault.db.prepare('UPDATE resources SET raw = ? WHERE server_id = ?');
  setRaw.run(nestedResource('a', 4_000), 'a');
  setRaw.run(nestedResource('b', 20_000), 'b');
  vault.lock();
  return path;
}

describe('the core worker', () => {
  const running: CoreConnection[] = [];
  beforeAll(async () => {
    requireBuild();
    ({ startCoreWorker } = (await import(`${repoRoot}dist/electron/core/worker/core-client.js`)) as {
      startCoreWorker: StartCoreWorker;
    });
  });
  afterEach(async () => {
    for (const core of running.splice(0)) await core.close();
  });

  const start = (vaultPath: string, limits?: CoreLimits) => {
    const core = startCoreWorker(
      { vaultPath, transport: 'host', appVersion: 'test', scrypt: FAST_SCRYPT },
      {},
      limits,
    );
    running.push(core);
    return core;
  };

  it('asks the keychain of the process that started it, across the thread, and unlocks with it', async () => {
    const { KeychainDouble } = (await import(`${repoRoot}dist/electron/host/keychain-double.js`)) as {
      KeychainDouble: new (backend: string) => object;
    };
    const vaultPath = join(tempDir('phr-vault-worker-'), 'vault.phrvault');
    const core = startCoreWorker(
      { vaultPath, transport: 'host', appVersion: 'test', scrypt: FAST_SCRYPT },
      { keychain: new KeychainDouble('gnome_libsecret') },
    );
    running.push(core);
    expect(await core.dispatch('vault.create', { passphrase: PASS })).toMatchObject({ ok: true });
    expect(await core.dispatch('vault.keychain', {})).toMatchObject({
      ok: true,
      value: { usable: true, backend: 'gnome_libsecret', enabled: false },
    });
    expect(await core.dispatch('vault.useKeychain', { passphrase: PASS })).toMatchObject({
      ok: true,
      value: { enabled: true },
    });
    await core.dispatch('vault.lock', {});
    expect(await core.dispatch('vault.unlockWithKeychain', {})).toMatchObject({
      ok: true,
      value: { state: 'unlocked' },
    });

    // Without a keychain from its parent (the test host without --keychain), none is offered.
    const bare = start(vaultPath);
    expect(await bare.dispatch('vault.keychain', {})).toMatchObject({
      ok: true,
      value: { usable: false, reason: 'unavailable', enabled: true },
    });
  });

  it('answers a request for a record too deeply nested to send, and keeps answering', async () => {
    const core = start(await vaultWithDeepRecords());
    expect(await core.dispatch('vault.unlock', { passphrase: PASS })).toMatchObject({ ok: true });
    const page = await core.dispatch('timeline.page', { personId: 1, limit: 10 });
    if (!page.ok) throw new Error(page.error.message);
    const ids = (page.value as { entries: { id: number }[] }).entries.map((e) => e.id);
    expect(ids).toHaveLength(3);

    const answers = await Promise.all(ids.map((id) => core.dispatch('records.get', { id })));
    // The 20,000-deep one could not even be written out, and the 4,000-deep one once never came
    // back at all: both are answered now, cut where they go deeper than a record can be shown
    // (records/resource-bounds.ts); the worker's own refusal of a too-deep reply stays behind it.
    expect(answers.every((a) => a.ok)).toBe(true);
    const cut = answers.filter((a) => JSON.stringify(a).includes(CUT_NOTE));
    expect(cut).toHaveLength(2);
    expect(await core.dispatch('vault.status', {})).toMatchObject({ ok: true, value: { state: 'unlocked' } });
  });

  it('restarts a worker that ran out of memory, with the vault locked, and says so plainly', async () => {
    const path = await vaultWithDeepRecords();
    const core = start(path, { memoryMb: 96 });
    const states: unknown[] = [];
    core.on((event, payload) => {
      if (event === 'vault.state') states.push(payload);
    });
    expect(await core.dispatch('vault.unlock', { passphrase: PASS })).toMatchObject({ ok: true });

    // A runaway job: an NDJSON file of four million lines that are no FHIR resource. Each line is
    // read on its own and its problem kept for the report, so the heap outgrows the worker's
    // 96 MiB a little at a time, where V8 can stop the worker. (Growth inside one native call, such
    // as JSON.parse of one huge document, may overshoot the allowance V8 gives a worker to stop and
    // end the whole process: a test built that way failed now and then.)
    const huge = fileOnDisk('huge.ndjson', '{}\n'.repeat(4_000_000));
    const answer = await importChosen(core, huge, 1);
    expect(answer).toEqual({
      ok: false,
      error: {
        kind: 'core-out-of-memory',
        message:
          'That task needed more memory than PHR Vault allows itself, so it was stopped and your vault was locked. Unlock it again; everything already saved is still there.',
      },
    });
    await expect.poll(() => states.at(-1), { timeout: 20_000 }).toMatchObject({ state: 'locked' });
    expect(await core.dispatch('vault.status', {})).toMatchObject({ ok: true, value: { state: 'locked' } });
    expect(await core.dispatch('vault.unlock', { passphrase: PASS })).toMatchObject({ ok: true });
    const page = await core.dispatch('timeline.page', { personId: 1, limit: 10 });
    expect(page.ok && (page.value as { entries: unknown[] }).entries).toHaveLength(3);
  });
});
