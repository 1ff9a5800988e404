import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { VaultService } from '../../electron/core/api.js';
import { envelopePath, readEnvelope } from '../../electron/core/vault/key-envelope.js';
import { imported } from '../../testkit/chosen-files.js';
import { call, PASSPHRASE } from '../support/connected-vault.js';
import { FAST_SCRYPT, GEOFFREY, tempDir } from '../support/temp-dir.js';

/**
 * The recovery code after the day the vault was made: shown again once the passphrase is typed,
 * used to change the passphrase from the open vault, and to open a backup.
 */

const NEXT = 'copper meadow seven lamps';
const services: VaultService[] = [];
afterEach(() => {
  for (const service of services.splice(0)) service.close();
});

async function newVault() {
  const dir = tempDir('phr-vault-recovery-');
  const service = new VaultService({
    vaultPath: join(dir, 'vault.phrvault'),
    transport: 'host',
    appVersion: 'test',
    scrypt: FAST_SCRYPT,
    sync: { automatic: false },
    backups: { automatic: false },
  });
  services.push(service);
  const { recoveryCode } = await call(service, 'vault.create', {
    passphrase: PASSPHRASE,
    ownerName: 'Geoffrey Abbott',
  });
  return { dir, service, recoveryCode, path: join(dir, 'vault.phrvault') };
}

const failureOf = async (service: VaultService, channel: string, request: unknown = {}) => {
  const result = await service.dispatch(channel, request);
  if (result.ok) throw new Error(`${channel} was not refused`);
  return result.error;
};

/** A key file as versions before this wrote it: no copy of the recovery code. */
function forgetKeptCode(path: string): void {
  const raw = JSON.parse(readFileSync(envelopePath(path), 'utf8')) as {
    wraps: { recovery: { copy?: unknown } };
  };
  delete raw.wraps.recovery.copy;
  writeFileSync(envelopePath(path), JSON.stringify(raw));
}

describe('the recovery code, again', () => {
  it('is shown again only after the passphrase is typed, and is the one given at creation', async () => {
    const { service, recoveryCode, path } = await newVault();
    // The key file keeps it only sealed with the data key.
    expect(readFileSync(envelopePath(path), 'utf8')).not.toContain(recoveryCode);
    expect(readFileSync(envelopePath(path), 'utf8')).not.toContain(recoveryCode.replaceAll('-', ''));
    expect(
      await failureOf(service, 'vault.recoveryCode', { passphrase: 'not the passphrase' }),
    ).toMatchObject({
      kind: 'wrong-passphrase',
    });
    expect(await call(service, 'vault.recoveryCode', { passphrase: PASSPHRASE })).toEqual({
      recoveryCode,
      renewed: false,
    });
    await call(service, 'vault.lock');
    expect(await failureOf(service, 'vault.recoveryCode', { passphrase: PASSPHRASE })).toMatchObject({
      kind: 'vault-locked',
    });
  });

  it('changes the passphrase of the open vault with the recovery code instead of the passphrase', async () => {
    const { service, recoveryCode } = await newVault();
    expect(
      await failureOf(service, 'vault.changePassphrase', { recoveryCode: 'AAAA-BBBB', next: NEXT }),
    ).toMatchObject({ kind: 'wrong-recovery-code' });
    // Typed by hand: lower case, spaces for dashes, O for zero.
    const typed = recoveryCode.toLowerCase().replaceAll('-', ' ').replaceAll('0', 'o');
    await call(service, 'vault.changePassphrase', { recoveryCode: typed, next: NEXT });
    await call(service, 'vault.lock');
    expect(await failureOf(service, 'vault.unlock', { passphrase: PASSPHRASE })).toMatchObject({
      kind: 'wrong-passphrase',
    });
    await call(service, 'vault.unlock', { passphrase: NEXT });
    // The recovery code stays the same.
    expect((await call(service, 'vault.recoveryCode', { passphrase: NEXT })).recoveryCode).toBe(recoveryCode);
  });

  it('gives a vault made before the code was kept a new code, and the old one stops working', async () => {
    const { service, recoveryCode, path } = await newVault();
    await call(service, 'vault.lock');
    forgetKeptCode(path);
    await call(service, 'vault.unlock', { passphrase: PASSPHRASE });
    const renewed = await call(service, 'vault.recoveryCode', { passphrase: PASSPHRASE });
    expect(renewed.renewed).toBe(true);
    expect(renewed.recoveryCode).not.toBe(recoveryCode);
    expect(await call(service, 'vault.recoveryCode', { passphrase: PASSPHRASE })).toEqual({
      recoveryCode: renewed.recoveryCode,
      renewed: false,
    });
    await call(service, 'vault.lock');
    expect(await failureOf(service, 'vault.recover', { recoveryCode, newPassphrase: NEXT })).toMatchObject({
      kind: 'wrong-recovery-code',
    });
    await call(service, 'vault.recover', { recoveryCode: renewed.recoveryCode, newPassphrase: NEXT });
    expect((await call(service, 'vault.status')).state).toBe('unlocked');
  });

  it('learns the code of an older vault when the code is used to recover it', async () => {
    const { service, recoveryCode, path } = await newVault();
    await call(service, 'vault.lock');
    forgetKeptCode(path);
    expect(readEnvelope(path).wraps.recovery.copy).toBeUndefined();
    await call(service, 'vault.recover', { recoveryCode, newPassphrase: NEXT });
    expect(readEnvelope(path).wraps.recovery.copy).toBeDefined();
    expect(await call(service, 'vault.recoveryCode', { passphrase: NEXT })).toEqual({
      recoveryCode,
      renewed: false,
    });
  });

  it('opens a backup with the recovery code and a new passphrase, which then unlocks the restored vault', async () => {
    const { dir, service, recoveryCode } = await newVault();
    const [person] = await call(service, 'persons.list', {});
    expect((await imported(service, GEOFFREY, person!.id)).added).toBeGreaterThan(0);
    const folder = join(dir, 'Backups');
    mkdirSync(folder);
    await call(service, 'backups.useFolder', { folder });
    const backup = join(folder, (await call(service, 'backups.now')).lastGood!.fileName);
    await call(service, 'persons.add', { name: 'Ada', relationship: 'child' });
    await call(service, 'vault.lock');

    const choice = await call(service, 'restore.useFile', { path: backup });
    expect(
      await failureOf(service, 'restore.open', { recoveryCode: 'AAAA-BBBB-CCCC', newPassphrase: NEXT }),
    ).toMatchObject({ kind: 'wrong-recovery-code' });
    expect(await failureOf(service, 'restore.open', { recoveryCode, newPassphrase: 'short' })).toMatchObject({
      kind: 'weak-passphrase',
    });
    const preview = await call(service, 'restore.open', { recoveryCode, newPassphrase: NEXT });
    expect(preview.persons).toEqual([{ name: 'Geoffrey Abbott', records: choice.records }]);
    const done = await call(service, 'restore.confirm');
    expect(done.status.state).toBe('unlocked');
    expect((await call(service, 'persons.list', {})).map((p) => p.name)).toEqual(['Geoffrey Abbott']);
    await call(service, 'vault.lock');
    // The restored vault opens with the new passphrase, and its recovery code is still the same.
    expect(await failureOf(service, 'vault.unlock', { passphrase: PASSPHRASE })).toMatchObject({
      kind: 'wrong-passphrase',
    });
    await call(service, 'vault.unlock', { passphrase: NEXT });
    expect((await call(service, 'vault.recoveryCode', { passphrase: NEXT })).recoveryCode).toBe(recoveryCode);
  });
});
