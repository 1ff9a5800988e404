import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { LATEST_SCHEMA_VERSION } from '../../electron/core/vault/migrations/index.js';
import { VaultFile } from '../../electron/core/vault/vault-file.js';
import { requireBuild, runCli } from '../support/cli.js';
import { startHost } from '../support/host.js';
import { olderVault } from '../support/older-vault.js';
import { tempDir } from '../support/temp-dir.js';

const PASS = 'correct horse battery';
const OLDER = 5;

describe('the first unlock after an update', () => {
  it('says so before it brings the file up to date, and only then', async () => {
    const path = join(tempDir(), 'vault.phrvault');
    await olderVault(path, PASS, OLDER, 10);
    const told: [number, number][] = [];
    const vault = new VaultFile(path, { onUpgrade: (from, to) => told.push([from, to]) });
    await vault.unlock(PASS);
    expect(told).toEqual([[OLDER, LATEST_SCHEMA_VERSION]]);
    expect(vault.db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    expect(vault.db.prepare('SELECT count(*) FROM resources').pluck().get()).toBe(10);
    vault.lock();

    await vault.unlock(PASS);
    vault.lock();
    expect(told).toHaveLength(1);
  });

  it('is told to the window through the contract, before the vault shows as unlocked', async () => {
    requireBuild();
    const dir = tempDir();
    const path = join(dir, 'vault.phrvault');
    await olderVault(path, PASS, OLDER);
    const host = await startHost(path);
    try {
      const ws = new WebSocket(`${host.origin.replace('http', 'ws')}/ipc?token=${host.token}`, {
        origin: host.origin,
      });
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      const events: { event: string; payload: unknown }[] = [];
      const answered = new Promise<unknown>((resolve) =>
        ws.on('message', (data) => {
          const message = JSON.parse(String(data)) as { id?: number; result?: unknown; event?: string };
          if (message.event) events.push(message as { event: string; payload: unknown });
          else if (message.id === 1) resolve(message.result);
        }),
      );
      ws.send(JSON.stringify({ id: 1, channel: 'vault.unlock', request: { passphrase: PASS } }));
      expect(await answered).toMatchObject({ ok: true, value: { state: 'unlocked' } });
      expect(events.map((e) => e.event)).toEqual(['vault.upgrading', 'vault.state']);
      expect(events[0]!.payload).toEqual({ from: OLDER, to: LATEST_SCHEMA_VERSION });
      ws.close();
    } finally {
      await host.stop();
    }
  });

  it('is said on the command line, on standard error', async () => {
    requireBuild();
    const path = join(tempDir(), 'vault.phrvault');
    await olderVault(path, PASS, OLDER, 3);
    const first = runCli(['stats', '--vault', path, '--json'], PASS);
    expect(first.status).toBe(0);
    expect(first.stderr).toContain('Updating the vault for this version of PHR Vault');
    expect(JSON.parse(first.stdout)).toMatchObject({ total: 3 });
    const second = runCli(['stats', '--vault', path, '--json'], PASS);
    expect(second.stderr).not.toContain('Updating');
  });
});
