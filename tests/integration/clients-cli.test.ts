import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireBuild, runCli, spawnCli } from '../support/cli.js';
import { approveInBrowser } from '../support/smart-server.js';
import { startEhr, type Ehr } from '../support/smart-server-ehr.js';
import { tempDir } from '../support/temp-dir.js';

const PASS = 'correct horse battery';

/** `phr-vault connect` without --client-id: the id must come from what `clients set` saved. */
async function connect(vault: string, fhirBase: string): Promise<{ status: number | null; out: string }> {
  const child = spawnCli(['connect', '--no-browser', '--vault', vault, '--fhir-base', fhirBase], PASS);
  let out = '';
  let browsed = false;
  const seen = (d: Buffer) => {
    out += d.toString();
    const url = /^(https?:\/\/\S+\/auth\?\S+)$/m.exec(out)?.[1];
    if (url && !browsed) {
      browsed = true;
      void approveInBrowser(url);
    }
  };
  child.stdout!.on('data', seen);
  child.stderr!.on('data', seen);
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { status, out };
}

type Overview = {
  vendors: { vendor: string; clientId: string; auth: string; from: string | null }[];
  endpoints: { fhirBase: string; clientId: string; auth: string; from: string }[];
};
const overview = (vault: string) =>
  JSON.parse(runCli(['clients', '--vault', vault, '--json']).stdout) as Overview;

describe('phr-vault clients: setting up an institution without editing a file', () => {
  const ehrs: Ehr[] = [];
  let vault: string;
  let file: string;

  beforeAll(() => {
    requireBuild();
    vault = join(tempDir('phr-vault-clients-cli-'), 'family.phrvault');
    file = join(dirname(vault), 'smart-clients.json');
    expect(runCli(['create', '--vault', vault, '--name', 'Geoffrey Abbott'], PASS).status).toBe(0);
  });
  afterAll(async () => {
    for (const ehr of ehrs) await ehr.close();
  });

  it('lists the vendors, each with its client id or none, and where it comes from', () => {
    const listed = overview(vault);
    expect(listed.vendors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ vendor: 'smart-sandbox', clientId: 'phr-vault', from: 'app' }),
        expect.objectContaining({ vendor: 'epic', clientId: '', from: null }),
        expect.objectContaining({ vendor: 'eclinicalworks', clientId: '', from: null }),
        expect.objectContaining({ vendor: 'other', clientId: '', from: null }),
      ]),
    );
    const all = runCli(['clients', '--vault', vault, '--all']);
    expect(all.status).toBe(0);
    expect(all.stdout).toContain('epic  Epic: no client id');
  });

  it('signs in as a public client with the id saved for one address', async () => {
    const ehr = await startEhr({ clientId: 'hospital-public-app' });
    ehrs.push(ehr);
    const before = await connect(vault, ehr.fhir.base);
    expect(before.status).toBe(1);
    expect(before.out).toContain('PHR Vault has no app registration (client id) for this health system yet.');
    expect(JSON.parse(runCli(['connections', '--vault', vault, '--json'], PASS).stdout)).toEqual([]);

    const set = runCli([
      'clients',
      'set',
      '--vault',
      vault,
      '--fhir-base',
      ehr.fhir.base,
      '--client-id',
      'hospital-public-app',
    ]);
    expect(set.status).toBe(0);
    expect(set.stdout).toContain('signs in with client id hospital-public-app (public)');
    expect(overview(vault).endpoints).toEqual([
      // Kept under the address as compared (one slash at the end), whichever way it was typed.
      {
        fhirBase: ehr.fhir.base.replace(/\/*$/, '/'),
        clientId: 'hospital-public-app',
        auth: 'public',
        from: 'this-computer',
      },
    ]);
    const run = await connect(vault, ehr.fhir.base);
    expect(run.out).toContain('Connected: signed in as Geoffrey Abbott');
    expect(run.status).toBe(0);
  });

  it('signs in as a confidential client with this vault’s key pair, registered from `clients jwks`', async () => {
    const jwks = runCli(['clients', 'jwks', '--vault', vault], PASS);
    expect(jwks.status).toBe(0);
    const keys = JSON.parse(jwks.stdout) as { keys: Record<string, unknown>[] };
    expect(keys.keys[0]).toMatchObject({ kty: 'EC', alg: 'ES384' });
    expect(keys.keys[1]).toMatchObject({ kty: 'RSA', alg: 'RS384' });
    for (const key of keys.keys) for (const secret of ['d', 'p', 'q']) expect(key).not.toHaveProperty(secret);
    const ehr = await startEhr({ clientId: 'confidential-app', jwks: keys });
    ehrs.push(ehr);
    const set = runCli([
      'clients',
      'set',
      '--vault',
      vault,
      '--vendor',
      'other',
      '--client-id',
      'confidential-app',
      '--auth',
      'private_key_jwt',
    ]);
    expect(set.status).toBe(0);
    expect(set.stdout).toContain('phr-vault clients jwks');
    const run = await connect(vault, ehr.fhir.base);
    expect(run.out).toContain('Connected: signed in as Geoffrey Abbott');
    expect(run.status).toBe(0);
    expect(ehr.auth.tokenRequests.length).toBeGreaterThan(0);
  });

  it('refuses a client id that is not one, and a vendor it does not know, changing nothing', () => {
    const saved = readFileSync(file, 'utf8');
    const spaced = runCli(['clients', 'set', '--vault', vault, '--vendor', 'epic', '--client-id', 'abc def']);
    expect(spaced.status).toBe(1);
    expect(spaced.stderr).toContain('does not look like a client id');
    const unknown = runCli(['clients', 'set', '--vault', vault, '--vendor', 'epik', '--client-id', 'abc']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('There is no vendor “epik”');
    const insecure = runCli([
      'clients',
      'set',
      '--vault',
      vault,
      '--fhir-base',
      'http://fhir.example.org/r4',
      '--client-id',
      'abc',
    ]);
    expect(insecure.status).toBe(1);
    expect(insecure.stderr).toContain('secure (https) address');
    expect(readFileSync(file, 'utf8')).toBe(saved);
  });

  it('leaves a damaged registrations file as it is and says so', () => {
    const saved = readFileSync(file, 'utf8');
    writeFileSync(file, '{"vendors": {');
    const run = runCli(['clients', 'set', '--vault', vault, '--vendor', 'epic', '--client-id', 'abc']);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('could not be read, so PHR Vault left it as it is');
    expect(readFileSync(file, 'utf8')).toBe('{"vendors": {');
    writeFileSync(file, saved);
  });

  it('removes this computer’s id, and the shipped one applies again', () => {
    expect(
      runCli(['clients', 'set', '--vault', vault, '--vendor', 'smart-sandbox', '--client-id', 'mine']).status,
    ).toBe(0);
    expect(overview(vault).vendors.find((v) => v.vendor === 'smart-sandbox')).toMatchObject({
      clientId: 'mine',
      from: 'this-computer',
    });
    const removed = runCli(['clients', 'remove', '--vault', vault, '--vendor', 'smart-sandbox']);
    expect(removed.stdout).toContain('Removed.');
    expect(overview(vault).vendors.find((v) => v.vendor === 'smart-sandbox')).toMatchObject({
      clientId: 'phr-vault',
      from: 'app',
    });
  });

  it('prints the registration steps for a vendor', () => {
    const steps = runCli(['clients', 'steps', '--vendor', 'epic']);
    expect(steps.status).toBe(0);
    expect(steps.stdout).toContain('fhir.epic.com');
    expect(steps.stdout).toContain('Redirect URI: http://127.0.0.1/callback');
  });
});
