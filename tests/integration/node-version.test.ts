import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { nodeTooOld } from '../../electron/node-version.js';
import { CLI, repoRoot, requireBuild } from '../support/cli.js';
import { tempDir } from '../support/temp-dir.js';

/**
 * The build machines keep Debian's Node 20 at /usr/bin/node beside the Node 22 the project runs
 * on: the real older Node, on which the SQLCipher binding crashes with a segmentation fault.
 */
const OLD_NODE = '/usr/bin/node';
const oldNodeVersion = existsSync(OLD_NODE)
  ? spawnSync(OLD_NODE, ['--version'], { encoding: 'utf8' }).stdout.trim().replace(/^v/, '')
  : '';
const haveOldNode = oldNodeVersion !== '' && nodeTooOld(oldNodeVersion) !== null;
if (!haveOldNode) console.warn(`No Node older than 22 at ${OLD_NODE}: the real older-Node runs are skipped.`);

describe('starting PHR Vault with a Node that is too old', () => {
  beforeAll(() => requireBuild());

  it('names the version needed and the one found', () => {
    expect(nodeTooOld('20.20.2')).toBe(
      'PHR Vault needs Node.js 22 or newer; this is 20.20.2. Install a newer Node.js and try again.',
    );
    expect(nodeTooOld('22.0.0')).toBeNull();
    expect(nodeTooOld('24.1.0')).toBeNull();
  });

  it.runIf(haveOldNode)('the command line says so and exits 1, creating nothing', () => {
    const dir = tempDir('phr-vault-old-node-');
    const vault = join(dir, 'family.phrvault');
    const run = spawnSync(OLD_NODE, [CLI, 'create', '--vault', vault, '--name', 'Pat'], {
      env: { ...process.env, PHR_VAULT_PASSPHRASE: 'correct horse battery' },
      encoding: 'utf8',
    });
    expect(run.signal).toBeNull();
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      `phr-vault: PHR Vault needs Node.js 22 or newer; this is ${oldNodeVersion}. Install a newer Node.js and try again.\n`,
    );
    expect(existsSync(vault)).toBe(false);
  });

  it.runIf(haveOldNode)('the test host says so and exits 1', () => {
    const dir = tempDir('phr-vault-old-node-');
    const run = spawnSync(
      OLD_NODE,
      [`${repoRoot}dist/electron/host/main.js`, '--vault', join(dir, 'v.phrvault')],
      { encoding: 'utf8', timeout: 30_000 },
    );
    expect(run.signal).toBeNull();
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(`PHR Vault needs Node.js 22 or newer; this is ${oldNodeVersion}.`);
  });
});
