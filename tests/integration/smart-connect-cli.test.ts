import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBuild, runCli, runCliAsync, spawnCli } from '../support/cli.js';
import { GEOFFREY } from '../../testkit/fixture-paths.js';
import { approveInBrowser } from '../support/smart-server.js';
import { startEhr, type Ehr } from '../support/smart-server-ehr.js';
import { resourcesFromBundle, startSyncEhr } from '../support/sync-ehr.js';
import { tempDir } from '../support/temp-dir.js';

const PASS = 'correct horse battery';

/** Runs `phr-vault connect`, plays the browser with the address it prints, and waits for it to end. */
async function connect(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawnCli(['connect', '--no-browser', ...args], PASS);
  let stdout = '';
  let stderr = '';
  let browsed = false;
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdout!.on('data', (d: Buffer) => {
    stdout += d.toString();
    const url = /^(https?:\/\/\S+\/auth\?\S+)$/m.exec(stdout)?.[1];
    if (url && !browsed) {
      browsed = true;
      void approveInBrowser(url);
    }
  });
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { status, stdout, stderr };
}

describe('phr-vault connect and connections', () => {
  let ehr: Ehr;
  let vault: string;

  beforeAll(async () => {
    requireBuild();
    ehr = await startEhr();
    vault = join(tempDir('phr-vault-smart-cli-'), 'family.phrvault');
    expect(runCli(['create', '--vault', vault, '--name', 'Pat'], PASS).status).toBe(0);
  });
  afterAll(async () => {
    await ehr?.close();
  });

  it('prints the sign-in address, waits for the browser, and prints who signed in', async () => {
    const run = await connect([
      '--vault',
      vault,
      '--fhir-base',
      ehr.fhir.base,
      '--client-id',
      'phr-vault-test',
    ]);
    expect(run.stderr).toContain('Waiting for the browser');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('Sign in to your patient portal at this address:');
    expect(run.stdout).toContain(
      'Connected: signed in as Geoffrey Abbott (born 1992-07-03); records go to Geoffrey Abbott.',
    );
    expect(run.stdout + run.stderr).not.toMatch(/access_token|refresh_token/);

    const listed = runCli(['connections', '--vault', vault, '--json'], PASS);
    expect(listed.status).toBe(0);
    const connections = JSON.parse(listed.stdout) as {
      state: string;
      signedInAs: string;
      fhirBase: string;
    }[];
    expect(connections).toEqual([
      expect.objectContaining({ state: 'connected', signedInAs: 'Geoffrey Abbott', fhirBase: ehr.fhir.base }),
    ]);
    expect(listed.stdout).not.toMatch(/token/i);

    const jwks = runCli(['connections', '--vault', vault, '--jwks'], PASS);
    expect(JSON.parse(jwks.stdout)).toEqual({
      keys: [
        expect.objectContaining({ kty: 'EC', alg: 'ES384' }),
        expect.objectContaining({ kty: 'RSA', alg: 'RS384' }),
      ],
    });
    expect(jwks.stdout).not.toContain('"d"');
  });

  it('refuses to file the records under a different person without --yes, and saves nothing', async () => {
    const run = await connect([
      '--vault',
      vault,
      '--fhir-base',
      ehr.fhir.base,
      '--client-id',
      'phr-vault-test',
      '--person',
      'Pat',
    ]);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('The portal signed in Geoffrey Abbott (born 1992-07-03), not Pat.');
    expect(run.stderr).toContain('run again with --yes');
    const listed = JSON.parse(runCli(['connections', '--vault', vault, '--json'], PASS).stdout) as unknown[];
    expect(listed.length).toBe(1);

    const accepted = await connect([
      '--vault',
      vault,
      '--fhir-base',
      ehr.fhir.base,
      '--client-id',
      'phr-vault-test',
      '--person',
      'Pat',
      '--yes',
    ]);
    expect(accepted.status).toBe(0);
    expect(accepted.stdout).toContain('records go to Pat.');
  });

  it('prints what the sign-in page said when it refuses the sign-in', async () => {
    // A server that does not name itself in its CapabilityStatement: the slash typed is sent.
    const strict = await startEhr({ unnamed: true });
    try {
      const run = await connect([
        '--vault',
        vault,
        '--fhir-base',
        `${strict.fhir.base}/`,
        '--client-id',
        'phr-vault-test',
      ]);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(
        `phr-vault: The sign-in page said: “Bad audience value "${strict.fhir.base}/". Expected "${strict.fhir.base}"”. The health system did not accept the sign-in`,
      );
    } finally {
      await strict.close();
    }
  });

  it('connects, then syncs after the access token has run out, refreshing it with rotation', async () => {
    const ehr = await startSyncEhr({
      fhirVersion: 'R4',
      resources: resourcesFromBundle(GEOFFREY),
      accessTokenTtlSeconds: 2,
    });
    try {
      const own = join(tempDir('phr-vault-smart-cli-sync-'), 'v.phrvault');
      expect(runCli(['create', '--vault', own, '--name', 'Geoffrey Abbott'], PASS).status).toBe(0);
      const run = await connect([
        '--vault',
        own,
        '--fhir-base',
        ehr.fhir.base,
        '--client-id',
        'phr-vault-test',
      ]);
      expect(run.status).toBe(0);
      await new Promise((resolve) => setTimeout(resolve, 2500));
      const synced = await runCliAsync(['sync', '--vault', own], PASS);
      expect(synced.stderr).not.toContain('phr-vault:');
      expect(synced.status).toBe(0);
      expect(synced.stdout).toMatch(/: ok — \d+ added/);
      expect(ehr.auth.tokenRequests.map((t) => t.grantType)).toContain('refresh_token');
    } finally {
      await ehr.close();
    }
  });

  it('says plainly when the server cannot be reached', () => {
    const run = runCli(
      [
        'connect',
        '--no-browser',
        '--vault',
        vault,
        '--fhir-base',
        'http://127.0.0.1:9/fhir/',
        '--client-id',
        'x',
      ],
      PASS,
    );
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('could not be reached');
  });
});
