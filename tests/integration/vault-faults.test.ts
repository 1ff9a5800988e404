import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statfsSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VaultService } from '../../electron/core/api.js';
import { importFhirFiles } from '../../electron/core/exchange/import-fhir.js';
import { writeBackup } from '../../electron/core/vault/backup.js';
import { beginLongWrite } from '../../electron/core/vault/database.js';
import { envelopePath } from '../../electron/core/vault/key-envelope.js';
import { userMessage } from '../../shared/errors.js';
import type { Result } from '../../shared/ipc/contract.js';
import { importChosen } from '../../testkit/chosen-files.js';
import { CLI, requireBuild, runCli, type CliResult } from '../support/cli.js';
import { fileOnDisk } from '../support/file-on-disk.js';
import { CATALINA, DAISEY, FAST_SCRYPT, GEOFFREY, tempDir } from '../support/temp-dir.js';

/**
 * The fault suite: a vault file and its key file damaged the ways disks and copies damage them,
 * each ending in a plain message and no further damage.
 */
const PASS = 'correct horse battery';
const PAGE = 4096;

function fingerprint(path: string): string {
  const hash = createHash('sha256');
  for (const file of [path, `${path}-wal`, envelopePath(path)]) {
    hash.update(file).update(existsSync(file) ? readFileSync(file) : 'absent');
  }
  return hash.digest('hex');
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** A vault holding Geoffrey Abbott's Synthea record (109 records), locked; returns its records' ids. */
async function vaultWithRecords(): Promise<{ path: string; ids: number[] }> {
  const path = join(tempDir('phr-vault-faults-'), 'vault.phrvault');
  const service = new VaultService({
    vaultPath: path,
    transport: 'host',
    appVersion: 'test',
    scrypt: FAST_SCRYPT,
  });
  expect(await service.dispatch('vault.create', { passphrase: PASS, ownerName: 'Geoffrey' })).toMatchObject({
    ok: true,
  });
  await importFhirFiles(service.vault.db, [GEOFFREY], { personId: 1 });
  const ids = (
    service.vault.db.prepare('SELECT id FROM resources ORDER BY id').all() as { id: number }[]
  ).map((r) => r.id);
  service.close();
  return { path, ids };
}

function damaged(result: Result<unknown>): boolean {
  return !result.ok && result.error.kind === 'vault-damaged';
}

describe('a vault file with one flipped byte', () => {
  it('unlocks and reads what it can, says the file is damaged where it is, and writes nothing into it', async () => {
    const { path, ids } = await vaultWithRecords();
    const pages = statSync(path).size / PAGE;
    // One bit in the middle of a page three quarters in: record pages, past the schema's.
    const bytes = readFileSync(path);
    const at = Math.floor(pages * 0.75) * PAGE + 2000;
    bytes[at] = bytes[at]! ^ 0x01;
    writeFileSync(path, bytes);
    const before = fingerprint(path);

    const service = new VaultService({
      vaultPath: path,
      transport: 'host',
      appVersion: 'test',
      scrypt: FAST_SCRYPT,
    });
    expect(await service.dispatch('vault.unlock', { passphrase: PASS })).toMatchObject({ ok: true });
    await nextTurn();

    const reads = await Promise.all(ids.map((id) => service.dispatch('records.get', { id })));
    const failed = reads.filter((r) => !r.ok);
    expect(failed.length).toBeGreaterThan(0);
    for (const f of failed) {
      expect(f).toEqual({
        ok: false,
        error: {
          kind: 'vault-damaged',
          message:
            'This vault file is damaged. PHR Vault writes nothing more into it, so it stays exactly as it is: restore the vault and its key file together from a backup.',
        },
      });
    }
    expect(reads.filter((r) => r.ok).length).toBeGreaterThan(0);

    // Writes are refused, in the same words: an import, a new person, a rename.
    const file = fileOnDisk(
      'patient.json',
      JSON.stringify({ resourceType: 'Patient', id: 'p', name: [{ family: 'Abbott' }] }),
    );
    expect(damaged(await importChosen(service, file, 1))).toBe(true);
    expect(damaged(await service.dispatch('persons.add', { name: 'Sam' }))).toBe(true);

    // Nor is it backed up: a copy would be as damaged, and keeping the last few backups would then
    // let a good one go.
    const backupPath = join(dirname(path), 'vault.phrvault-backup');
    let refusal: unknown;
    try {
      writeBackup(service.vault.db, path, backupPath, 'test');
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toMatchObject({ kind: 'vault-damaged' });
    expect(readdirSync(dirname(path)).filter((n) => n.includes('backup') || n.includes('.partial'))).toEqual(
      [],
    );
    expect(await service.dispatch('vault.lock', {})).toMatchObject({ ok: true });
    expect(fingerprint(path)).toBe(before);
  });
});

describe('a vault file cut short', () => {
  it('is called damaged and written to no more', async () => {
    const { path } = await vaultWithRecords();
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length / PAGE / 2) * PAGE));
    const before = fingerprint(path);

    const service = new VaultService({
      vaultPath: path,
      transport: 'host',
      appVersion: 'test',
      scrypt: FAST_SCRYPT,
    });
    const unlocked = await service.dispatch('vault.unlock', { passphrase: PASS });
    if (unlocked.ok) {
      await nextTurn();
      expect(damaged(await service.dispatch('persons.add', { name: 'Sam' }))).toBe(true);
      await service.dispatch('vault.lock', {});
    } else {
      expect(unlocked.error.kind).toBe('vault-damaged');
    }
    expect(fingerprint(path)).toBe(before);
  });
});

describe('a damaged or altered key file', () => {
  const KEY_FILE_DAMAGED = {
    kind: 'key-file-damaged',
    message:
      'The vault’s key file (.keys.json) is damaged, so PHR Vault cannot check a passphrase against it. Use your recovery code, or restore the key file from a backup; the vault itself was not changed.',
  };

  async function lockedVault(): Promise<{ path: string; recoveryCode: string; service: VaultService }> {
    const path = join(tempDir('phr-vault-keyfile-'), 'vault.phrvault');
    const service = new VaultService({
      vaultPath: path,
      transport: 'host',
      appVersion: 'test',
      scrypt: FAST_SCRYPT,
    });
    const created = await service.dispatch('vault.create', { passphrase: PASS });
    if (!created.ok) throw new Error(created.error.message);
    await service.dispatch('vault.lock', {});
    return { path, recoveryCode: (created.value as { recoveryCode: string }).recoveryCode, service };
  }

  type Envelope = {
    wraps: { passphrase: { kdf: Record<string, unknown>; key: Record<string, string>; check?: string } };
  };
  const alter = (path: string, change: (envelope: Envelope) => void) => {
    const envelope = JSON.parse(readFileSync(envelopePath(path), 'utf8')) as Envelope;
    change(envelope);
    writeFileSync(envelopePath(path), JSON.stringify(envelope));
  };

  it.each([
    [
      'cut short',
      (path: string) => writeFileSync(envelopePath(path), readFileSync(envelopePath(path)).subarray(0, 300)),
    ],
    // What the security review tried: gigabytes of memory per attempt, still running after 45 s.
    [
      'asking scrypt for 2^20 × 32 × 16',
      (path: string) =>
        alter(path, (e) => Object.assign(e.wraps.passphrase.kdf, { N: 2 ** 20, r: 32, p: 16 })),
    ],
    ['with an N scrypt cannot take', (path: string) => alter(path, (e) => (e.wraps.passphrase.kdf.N = 1000))],
    [
      'with a wrap of the wrong length',
      (path: string) => alter(path, (e) => (e.wraps.passphrase.key.tag = 'AAAA')),
    ],
  ])('%s: says the key file is damaged, at once, and changes nothing', async (_name, damage) => {
    const { path, service } = await lockedVault();
    damage(path);
    const before = fingerprint(path);
    expect(await service.dispatch('vault.unlock', { passphrase: PASS })).toEqual({
      ok: false,
      error: KEY_FILE_DAMAGED,
    });
    expect(fingerprint(path)).toBe(before);
  });

  it('a flipped bit in the passphrase’s wrap: damaged, not a wrong passphrase, and the recovery code still opens it', async () => {
    const { path, recoveryCode, service } = await lockedVault();
    alter(path, (e) => {
      const bytes = Buffer.from(e.wraps.passphrase.key.ciphertext!, 'base64');
      bytes[5] = bytes[5]! ^ 0x10;
      e.wraps.passphrase.key.ciphertext = bytes.toString('base64');
    });
    expect(await service.dispatch('vault.unlock', { passphrase: PASS })).toEqual({
      ok: false,
      error: KEY_FILE_DAMAGED,
    });
    const next = 'a new passphrase here';
    expect(await service.dispatch('vault.recover', { recoveryCode, newPassphrase: next })).toMatchObject({
      ok: true,
    });
    await service.dispatch('vault.lock', {});
    expect(await service.dispatch('vault.unlock', { passphrase: next })).toMatchObject({ ok: true });
    service.close();
  });

  it('a key file written before wraps carried their check still unlocks', async () => {
    const { path, service } = await lockedVault();
    alter(path, (e) => {
      for (const wrap of Object.values(e.wraps) as ({ check?: string } | null)[]) delete wrap?.check;
    });
    expect(await service.dispatch('vault.unlock', { passphrase: PASS })).toMatchObject({ ok: true });
    service.close();
  });
});

describe.skipIf(process.platform === 'win32')('the files of a vault', () => {
  const modeOf = (file: string) => statSync(file).mode & 0o777;

  it('are the user’s alone: the vault, its WAL, shared memory and journal, and a folder made for it', async () => {
    const folder = join(tempDir('phr-vault-modes-'), 'new-folder');
    const path = join(folder, 'vault.phrvault');
    const service = new VaultService({
      vaultPath: path,
      transport: 'host',
      appVersion: 'test',
      scrypt: FAST_SCRYPT,
    });
    expect(await service.dispatch('vault.create', { passphrase: PASS })).toMatchObject({ ok: true });
    expect(modeOf(folder)).toBe(0o700);
    for (const file of [path, `${path}-wal`, `${path}-shm`, envelopePath(path)])
      expect(modeOf(file)).toBe(0o600);

    // An import writes through a rollback journal (beginLongWrite): looked at mid-transaction.
    const db = service.vault.db;
    const endLongWrite = beginLongWrite(db);
    db.transaction(() => {
      db.prepare("INSERT INTO persons (name, created_at) VALUES ('Sam', '2026-01-01T00:00:00.000Z')").run();
      db.prepare('UPDATE persons SET name = name').run();
      expect(modeOf(`${path}-journal`)).toBe(0o600);
    })();
    endLongWrite();
    service.close();
  });

  it('made by an earlier version with 0644 are narrowed at the next unlock', async () => {
    const path = join(tempDir('phr-vault-modes-'), 'vault.phrvault');
    const service = new VaultService({
      vaultPath: path,
      transport: 'host',
      appVersion: 'test',
      scrypt: FAST_SCRYPT,
    });
    expect(await service.dispatch('vault.create', { passphrase: PASS })).toMatchObject({ ok: true });
    await service.dispatch('vault.lock', {});
    chmodSync(path, 0o644);
    expect(await service.dispatch('vault.unlock', { passphrase: PASS })).toMatchObject({ ok: true });
    for (const file of [path, `${path}-wal`, `${path}-shm`]) expect(modeOf(file)).toBe(0o600);
    service.close();
  });
});

describe.skipIf(process.platform === 'win32')('a disk that fills during an import', () => {
  /**
   * The command line's import in a process whose files may not grow past `kib` KiB (RLIMIT_FSIZE,
   * as a full disk or a quota stops a write). SIGXFSZ is ignored, as a file system's refusal
   * reaches a program: a write that fails, not a signal.
   */
  function importLimited(vault: string, files: string[], kib: number): CliResult {
    const run = spawnSync(
      'bash',
      [
        '-c',
        `trap '' XFSZ; ulimit -f ${kib}; exec "$0" "$@"`,
        process.execPath,
        CLI,
        'import',
        '--vault',
        vault,
        ...files,
      ],
      { env: { ...process.env, PHR_VAULT_PASSPHRASE: PASS }, encoding: 'utf8' },
    );
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
  }

  it('stops with a plain message, keeps every record saved before, and imports all once there is room', () => {
    requireBuild();
    const vault = join(tempDir('phr-vault-full-'), 'family.phrvault');
    expect(runCli(['create', '--vault', vault, '--name', 'Geoffrey'], PASS).status).toBe(0);
    expect(runCli(['import', '--vault', vault, GEOFFREY], PASS).status).toBe(0);
    const before = stats(vault);

    const sizeKib = Math.ceil(statSync(vault).size / 1024);
    const full = importLimited(vault, [DAISEY, CATALINA], sizeKib + 64);
    expect(full.status).toBe(1);
    expect(full.stderr).toContain(`phr-vault: ${userMessage('disk-failed')}\n`);
    expect(full.stderr).not.toContain('internal');

    // Nothing lost, nothing half-written: the vault opens, passes SQLite's check and holds what it held.
    expect(stats(vault)).toEqual(before);
    const again = runCli(['import', '--vault', vault, DAISEY], PASS);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/: [1-9]\d* added/);
  });
});

function stats(vault: string): { total: number; byType: Record<string, number> } {
  const result = runCli(['stats', '--vault', vault, '--json'], PASS);
  expect(result.status).toBe(0);
  const { total, byType } = JSON.parse(result.stdout) as { total: number; byType: Record<string, number> };
  return { total, byType };
}

/**
 * The same on a real file system that runs out of space (ENOSPC, which SQLite reports as
 * SQLITE_FULL): a small tmpfs, where this machine lets the tests mount one (root on Linux).
 */
const smallDisk = join(tmpdir(), `phr-vault-small-disk-${process.pid}`);
const mayMount = process.platform === 'linux' && process.getuid?.() === 0;

describe.runIf(mayMount)('a disk that is really full during an import', () => {
  let mounted = false;
  beforeAll(() => {
    mkdirSync(smallDisk, { recursive: true });
    mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=8m,mode=0700', 'tmpfs', smallDisk]).status === 0;
    if (!mounted) console.warn('No tmpfs could be mounted here: the real full-disk import is skipped.');
  });
  afterAll(() => {
    if (mounted) spawnSync('umount', [smallDisk]);
    rmSync(smallDisk, { recursive: true, force: true });
  });

  it('says the disk is full, keeps what was saved, and imports once there is room', (context) => {
    if (!mounted) return context.skip();
    requireBuild();
    const vault = join(smallDisk, 'family.phrvault');
    expect(runCli(['create', '--vault', vault, '--name', 'Geoffrey'], PASS).status).toBe(0);
    expect(runCli(['import', '--vault', vault, GEOFFREY], PASS).status).toBe(0);
    const before = stats(vault);

    // Everything but 32 KiB taken by another file, as a disk fills with other things.
    const { bavail, bsize } = statfsSync(smallDisk);
    const filler = join(smallDisk, 'other-things');
    writeFileSync(filler, Buffer.alloc(Math.max(0, bavail * bsize - 32 * 1024)));

    const full = runCli(['import', '--vault', vault, DAISEY], PASS);
    expect(full.status).toBe(1);
    expect(full.stderr).toContain(`phr-vault: ${userMessage('disk-full')}\n`);

    rmSync(filler);
    expect(stats(vault)).toEqual(before);
    const again = runCli(['import', '--vault', vault, DAISEY], PASS);
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/: [1-9]\d* added/);
  });
});
