import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VaultService } from '../../electron/core/api.js';
import { readBackup } from '../../electron/core/vault/backup.js';
import type { BackupStatus } from '../../shared/ipc/areas/backups.js';
import { imported } from '../../testkit/chosen-files.js';
import { call, PASSPHRASE } from '../support/connected-vault.js';
import { FAST_SCRYPT, GEOFFREY, tempDir } from '../support/temp-dir.js';

const DAY = 24 * 60 * 60_000;
const services: VaultService[] = [];
afterEach(() => {
  for (const service of services.splice(0)) service.close();
});

/** A vault with Geoffrey Abbott's Synthea records, as a service whose clock the test moves. */
async function vaultWithRecords(
  options: { automatic?: boolean; startDelayMs?: number; settleMs?: number } = {},
) {
  const dir = tempDir('phr-vault-backups-');
  const clock = { now: Date.now() };
  const service = new VaultService({
    vaultPath: join(dir, 'vault.phrvault'),
    transport: 'host',
    appVersion: 'test',
    scrypt: FAST_SCRYPT,
    sync: { automatic: false },
    backups: {
      automatic: options.automatic ?? false,
      startDelayMs: options.startDelayMs ?? 0,
      settleMs: options.settleMs ?? 0,
      now: () => new Date(clock.now),
    },
  });
  services.push(service);
  const changes: BackupStatus[] = [];
  service.on((event, payload) => {
    if (event === 'backups.changed') changes.push(payload as BackupStatus);
  });
  await call(service, 'vault.create', { passphrase: PASSPHRASE, ownerName: 'Geoffrey Abbott' });
  const [person] = await call(service, 'persons.list', {});
  expect((await imported(service, GEOFFREY, person!.id)).added).toBeGreaterThan(0);
  return { dir, service, clock, changes };
}

const ours = (folder: string) =>
  readdirSync(folder)
    .filter((n) => n.endsWith('.phrvault-backup'))
    .sort();

describe('backups from the window', () => {
  it('refuses to back up before a folder is chosen, and takes only a folder that is there', async () => {
    const { dir, service } = await vaultWithRecords();
    expect(await service.dispatch('backups.now', {})).toMatchObject({
      ok: false,
      error: { kind: 'no-backup-folder', message: 'Choose a folder for your backups first.' },
    });
    expect(await service.dispatch('backups.useFolder', { folder: 'relative/folder' })).toMatchObject({
      ok: false,
      error: { kind: 'invalid-request' },
    });
    expect(await service.dispatch('backups.useFolder', { folder: join(dir, 'nowhere') })).toMatchObject({
      ok: false,
      error: { kind: 'backup-failed', message: expect.stringMatching(/^That folder cannot be written to\./) },
    });
    const status = await call(service, 'backups.status');
    expect(status).toMatchObject({ folder: null, schedule: 'off', keep: 10, lastGood: null, overdue: false });
  });

  it('writes a checked backup into the chosen folder, keeps the last N of its own, and remembers it', async () => {
    const { dir, service, clock, changes } = await vaultWithRecords();
    const folder = join(dir, 'Dropbox');
    mkdirSync(folder);
    // Someone else's file in the synced folder is never touched when older backups go.
    writeFileSync(join(folder, 'tax-return.pdf'), 'not ours');
    await call(service, 'backups.useFolder', { folder });
    await call(service, 'backups.setSchedule', { schedule: 'weekly', keep: 2 });

    const first = await call(service, 'backups.now');
    expect(first.lastGood).toMatchObject({
      fileName: expect.stringMatching(/^phr-vault-backup-.*Z\.phrvault-backup$/),
    });
    expect(first.lastFailure).toBeNull();
    const written = readBackup(join(folder, first.lastGood!.fileName));
    expect(written.counts.persons).toBe(1);
    expect(written.counts.records).toBeGreaterThan(100);
    expect(changes.some((c) => c.running)).toBe(true);
    expect(changes.at(-1)!.running).toBe(false);

    clock.now += 2 * DAY;
    await call(service, 'backups.now');
    clock.now += 2 * DAY;
    const third = await call(service, 'backups.now');
    expect(ours(folder)).toHaveLength(2);
    expect(ours(folder)).not.toContain(first.lastGood!.fileName);
    expect(ours(folder).at(-1)).toBe(third.lastGood!.fileName);
    expect(existsSync(join(folder, 'tax-return.pdf'))).toBe(true);
    expect(readdirSync(folder).filter((n) => n.includes('partial'))).toEqual([]);

    // Fourteen days without a good backup: the window is to warn.
    clock.now += 13 * DAY;
    expect(await call(service, 'backups.status')).toMatchObject({ daysWithout: 13, overdue: false });
    clock.now += DAY;
    expect(await call(service, 'backups.status')).toMatchObject({ daysWithout: 14, overdue: true });

    // What happened is kept in the vault: a restart still knows the last good backup.
    await call(service, 'vault.lock');
    await call(service, 'vault.unlock', { passphrase: PASSPHRASE });
    expect(await call(service, 'backups.status')).toMatchObject({
      folder,
      schedule: 'weekly',
      keep: 2,
      lastGood: third.lastGood,
    });
  });

  it('says why a backup failed and keeps the backups already made', async () => {
    const { dir, service, clock } = await vaultWithRecords();
    const folder = join(dir, 'OneDrive');
    mkdirSync(folder);
    await call(service, 'backups.useFolder', { folder });
    const good = await call(service, 'backups.now');
    // The synced folder went away (a drive unplugged, a sync client that removed it).
    rmSync(folder, { recursive: true });
    clock.now += DAY;
    const failed = await service.dispatch('backups.now', {});
    expect(failed).toMatchObject({ ok: false, error: { kind: 'backup-failed' } });
    const status = await call(service, 'backups.status');
    expect(status.lastGood).toEqual(good.lastGood);
    expect(status.lastFailure?.message).toMatch(/The backup could not be written/);
    // Back again: the next backup succeeds and the failure is no longer shown.
    mkdirSync(folder);
    clock.now += 1000;
    const again = await call(service, 'backups.now');
    expect(again.lastFailure).toBeNull();
    expect(ours(folder)).toEqual([again.lastGood!.fileName]);
  });

  it('backs up on its schedule once one is due, without being asked', async () => {
    const { dir, service, clock, changes } = await vaultWithRecords({
      automatic: true,
      startDelayMs: 20,
      settleMs: 20,
    });
    const folder = join(dir, 'iCloud Drive');
    mkdirSync(folder);
    await call(service, 'backups.useFolder', { folder });
    await call(service, 'backups.setSchedule', { schedule: 'daily', keep: 5 });
    // Never backed up: the first one is due at once.
    await expect.poll(() => ours(folder).length, { timeout: 10_000 }).toBe(1);
    // A day later, after an unlock, the next.
    await call(service, 'vault.lock');
    clock.now += DAY + 1000;
    await call(service, 'vault.unlock', { passphrase: PASSPHRASE });
    await expect.poll(() => ours(folder).length, { timeout: 10_000 }).toBe(2);
    // Off: nothing more, however long the wait.
    await call(service, 'backups.setSchedule', { schedule: 'off', keep: 5 });
    clock.now += 3 * DAY;
    await call(service, 'vault.lock');
    await call(service, 'vault.unlock', { passphrase: PASSPHRASE });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(ours(folder)).toHaveLength(2);
    expect(changes.filter((c) => c.lastGood && !c.running).length).toBeGreaterThanOrEqual(2);
  });

  it('lets a new schedule settle before its first backup, so "Back up now" pressed next is the only one', async () => {
    const { dir, service } = await vaultWithRecords({ automatic: true, startDelayMs: 20, settleMs: 60_000 });
    const folder = join(dir, 'Backups');
    mkdirSync(folder);
    await call(service, 'backups.useFolder', { folder });
    await call(service, 'backups.setSchedule', { schedule: 'daily', keep: 5 });
    await call(service, 'backups.now');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(ours(folder)).toHaveLength(1);
  });

  it('restores from the locked screen: says whose records and from when, then replaces the vault, keeping it aside', async () => {
    const { dir, service } = await vaultWithRecords();
    const folder = join(dir, 'Backups');
    mkdirSync(folder);
    await call(service, 'backups.useFolder', { folder });
    const backup = join(folder, (await call(service, 'backups.now')).lastGood!.fileName);
    // After the backup, someone is added: the restore takes the vault back to before.
    await call(service, 'persons.add', { name: 'Ada', relationship: 'child' });
    expect(await service.dispatch('restore.useFile', { path: backup })).toMatchObject({
      ok: false,
      error: { message: expect.stringMatching(/^Lock the vault before restoring/) },
    });
    await call(service, 'vault.lock');

    const damaged = join(dir, 'damaged.phrvault-backup');
    writeFileSync(damaged, readFileSync(backup).subarray(0, 50_000));
    expect(await service.dispatch('restore.useFile', { path: damaged })).toMatchObject({
      ok: false,
      error: { kind: 'not-a-backup' },
    });

    const choice = await call(service, 'restore.useFile', { path: backup });
    expect(choice).toMatchObject({ people: 1, fileName: basename(backup) });
    expect(await call(service, 'restore.chosen')).toEqual(choice);
    expect(await service.dispatch('restore.open', { passphrase: 'not the passphrase' })).toMatchObject({
      ok: false,
      error: { kind: 'wrong-passphrase' },
    });
    const preview = await call(service, 'restore.open', { passphrase: PASSPHRASE });
    expect(preview.persons).toEqual([{ name: 'Geoffrey Abbott', records: choice.records }]);
    expect(preview.replacing).toBe(true);
    expect(preview.firstRecord! < preview.lastRecord!).toBe(true);
    // Nothing replaced yet: the vault there still has Ada.
    expect(readdirSync(dir).filter((n) => n.includes('before-restore'))).toEqual([]);

    const done = await call(service, 'restore.confirm');
    expect(done.status.state).toBe('unlocked');
    expect((await call(service, 'persons.list', {})).map((p) => p.name)).toEqual(['Geoffrey Abbott']);
    expect(done.previousVaultKeptAt).toMatch(/before-restore/);
    expect(existsSync(done.previousVaultKeptAt!)).toBe(true);
    expect(readdirSync(dir).filter((n) => n.includes('.restoring-'))).toEqual([]);
  });
});
