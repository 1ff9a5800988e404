import {
  existsSync,
  readdirSync,
  readFileSync,
  statSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readBackup } from '../../electron/core/vault/backup.js';
import { requireBuild, runCli, spawnCli } from '../support/cli.js';
import { syntheticResources } from '../../testkit/synthetic-patient.js';
import { DAISEY, GEOFFREY, tempDir } from '../support/temp-dir.js';

const PASS = 'correct horse battery';

type Stats = { total: number; persons: { name: string; recordCount: number }[] };
const stats = (vault: string, passphrase = PASS) => {
  const result = runCli(['stats', '--vault', vault, '--json'], passphrase);
  expect(result.stderr).toBe('');
  return JSON.parse(result.stdout) as Stats;
};

describe('backups and restore from the command line', () => {
  let folder: string;
  let vault: string;
  let backups: string;

  beforeAll(() => {
    requireBuild();
    folder = tempDir('phr-vault-backup-');
    vault = join(folder, 'family.phrvault');
    backups = join(folder, 'backups');
    expect(runCli(['create', '--vault', vault, '--name', 'Pat'], PASS).status).toBe(0);
    expect(runCli(['import', '--vault', vault, GEOFFREY], PASS).status).toBe(0);
    expect(runCli(['import', '--vault', vault, '--person', 'Daisey', DAISEY], PASS).status).toBe(0);
  });

  it('writes one checked file, readable by its owner only, as private as the vault', () => {
    const out = join(backups, 'family-1.phrvault-backup');
    const result = runCli(
      ['backup', '--vault', vault, '--out', join(folder, 'family-1.phrvault-backup')],
      PASS,
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(
      /^Backed up \d+ records of 2 people to .*family-1\.phrvault-backup \(.* MB\), and checked it\./,
    );

    // A missing folder is the user's to make; an existing backup is never overwritten.
    const nowhere = runCli(['backup', '--vault', vault, '--out', out], PASS);
    expect(nowhere.status).toBe(1);
    expect(readdirSync(folder).filter((n) => n.includes('.partial'))).toEqual([]);
    const again = runCli(
      ['backup', '--vault', vault, '--out', join(folder, 'family-1.phrvault-backup')],
      PASS,
    );
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('family-1.phrvault-backup already exists.');

    const file = join(folder, 'family-1.phrvault-backup');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const bytes = readFileSync(file);
    // Encrypted end to end: no plain SQLite header, no name, no record text.
    expect(bytes.includes(Buffer.from('SQLite format 3'))).toBe(false);
    expect(bytes.includes(Buffer.from('Geoffrey'))).toBe(false);
    expect(bytes.includes(Buffer.from('Daisey'))).toBe(false);
    const described = readBackup(file);
    expect(described.counts).toEqual({ persons: 2, connections: 2, records: stats(vault).total });
    expect(described.envelope.wraps.passphrase.key.ciphertext).toEqual(expect.any(String));
  });

  it('restores into a new place, refuses to overwrite a vault unless told, and keeps the replaced one aside', () => {
    const file = join(folder, 'family-1.phrvault-backup');
    const restored = join(folder, 'restored', 'family.phrvault');
    const first = runCli(['restore', '--from', file, '--vault', restored, '--json'], PASS);
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    const report = JSON.parse(first.stdout) as {
      persons: { name: string; records: number }[];
      firstRecord: string;
    };
    expect(report.persons.map((p) => p.name)).toEqual(['Pat', 'Daisey']);
    expect(report.firstRecord).toMatch(/^\d{4}-/);
    expect(stats(restored)).toEqual(stats(vault));

    // Something changes in the live vault after the backup…
    expect(runCli(['import', '--vault', vault, '--person', 'Sam', DAISEY], PASS).status).toBe(0);
    const changed = stats(vault);
    const refused = runCli(['restore', '--from', file, '--vault', vault], PASS);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('A vault already exists here');
    expect(stats(vault)).toEqual(changed);

    // …then the backup replaces it, and the replaced vault is kept, whole, beside it.
    const replaced = runCli(['restore', '--from', file, '--vault', vault, '--replace'], PASS);
    expect(replaced.status).toBe(0);
    const aside = /kept as (.*) \(and its \.keys\.json\)/.exec(replaced.stdout)?.[1];
    expect(aside).toBeDefined();
    expect(stats(vault)).toEqual(stats(restored));
    expect(stats(aside!)).toEqual(changed);
  });

  it('refuses a wrong passphrase, a damaged or cut backup, and a file that is not one, changing nothing', () => {
    const file = join(folder, 'family-1.phrvault-backup');
    const target = join(folder, 'not-yet', 'family.phrvault');
    const wrong = runCli(['restore', '--from', file, '--vault', target], 'not the passphrase');
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toContain('That passphrase is not right');

    const damaged = join(folder, 'damaged.phrvault-backup');
    const bytes = readFileSync(file);
    bytes[5000] = bytes[5000]! ^ 0xff;
    writeFileSync(damaged, bytes);
    const flipped = runCli(['restore', '--from', damaged, '--vault', target], PASS);
    expect(flipped.status).toBe(1);
    expect(flipped.stderr).toContain('damaged.phrvault-backup is damaged');

    // A flipped bit deep among the record pages, which neither unlock nor the counts read: the
    // hash of the database part alone finds it.
    const deep = join(folder, 'deep.phrvault-backup');
    const deepBytes = readFileSync(file);
    const at = Math.floor(readBackup(file).databaseBytes * 0.75);
    deepBytes[at] = deepBytes[at]! ^ 0x01;
    writeFileSync(deep, deepBytes);
    const deepFlip = runCli(['restore', '--from', deep, '--vault', target], PASS);
    expect(deepFlip.status).toBe(1);
    expect(deepFlip.stderr).toContain('deep.phrvault-backup is damaged');

    const cut = join(folder, 'cut.phrvault-backup');
    writeFileSync(cut, readFileSync(file));
    truncateSync(cut, statSync(cut).size - 100);
    const truncated = runCli(['restore', '--from', cut, '--vault', target], PASS);
    expect(truncated.status).toBe(1);
    expect(truncated.stderr).toContain('is not a PHR Vault backup');

    const notOne = runCli(['restore', '--from', GEOFFREY, '--vault', target], PASS);
    expect(notOne.status).toBe(1);
    expect(notOne.stderr).toContain('This file is not a PHR Vault backup that can be restored');

    // Nothing was placed, and no unpacked copy is left behind.
    expect(existsSync(target)).toBe(false);
    expect(existsSync(join(folder, 'not-yet')) ? readdirSync(join(folder, 'not-yet')) : []).toEqual([]);
  });
});

describe('a backup killed half way', () => {
  it('leaves earlier backups whole and no file under a backup’s name; the next backup clears what it left', async () => {
    requireBuild();
    const folder = tempDir('phr-vault-backup-kill-');
    const vault = join(folder, 'big.phrvault');
    expect(runCli(['create', '--vault', vault], PASS).status).toBe(0);
    const records = join(folder, 'records.ndjson');
    let text = '';
    for (const resource of syntheticResources({ seed: 5, resources: 20_000 }))
      text += `${JSON.stringify(resource)}\n`;
    writeFileSync(records, text);
    expect(runCli(['import', '--vault', vault, records], PASS).status).toBe(0);
    const earlier = join(folder, 'earlier.phrvault-backup');
    expect(runCli(['backup', '--vault', vault, '--out', earlier], PASS).status).toBe(0);
    const earlierBytes = readFileSync(earlier);

    // Killed as soon as its hidden partial file appears, mid-copy or mid-check.
    const later = join(folder, 'later.phrvault-backup');
    const child = spawnCli(['backup', '--vault', vault, '--out', later], PASS);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let killed = false;
    while (!killed && child.exitCode === null) {
      if (readdirSync(folder).some((n) => n.endsWith('.partial'))) {
        child.kill('SIGKILL');
        killed = true;
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    await exited;
    expect(killed).toBe(true);
    expect(existsSync(later)).toBe(false);
    expect(readFileSync(earlier).equals(earlierBytes)).toBe(true);
    const partials = readdirSync(folder).filter((n) => /\.partial/.test(n));
    expect(partials.length).toBeGreaterThan(0);

    // The vault is unharmed, and once the leftover is old, the next backup removes it.
    for (const name of partials) utimesSync(join(folder, name), new Date(0), new Date(0));
    expect(runCli(['backup', '--vault', vault, '--out', later], PASS).status).toBe(0);
    expect(readdirSync(folder).filter((n) => /\.partial/.test(n))).toEqual([]);
    expect(readBackup(later).counts.records).toBe(readBackup(earlier).counts.records);
  });
});
