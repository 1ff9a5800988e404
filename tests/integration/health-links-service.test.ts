import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VaultService } from '../../electron/core/api.js';
import type { RequestOf } from '../../shared/ipc/contract.js';
import { call, newVaultService } from '../support/connected-vault.js';
import { startShlServer, type ShlServer } from '../support/shl-server.js';
import { fixtures } from '../support/temp-dir.js';

/**
 * The window's way in for a pasted health link (`healthLinks.open`), through the service as the
 * renderer calls it: a passcode asked for and checked, a link about another patient asked about
 * before anything is stored, and the sources it made announced.
 */

const IPS = readFileSync(`${fixtures}fhir/ips/bundle-minimal.json`);

describe('healthLinks.open', () => {
  let service: VaultService;
  let events: { event: string; payload: unknown }[];
  let server: ShlServer;
  const failure = async (request: RequestOf<'healthLinks.open'>) => {
    const result = await service.dispatch('healthLinks.open', request);
    return result.ok ? null : result.error;
  };
  const count = async () => (await call(service, 'records.stats', { personId: 1 })).total;

  beforeAll(async () => {
    ({ service, events } = await newVaultService());
    server = await startShlServer();
  });
  afterAll(async () => {
    await server.close();
    service.close();
  });

  it('asks for a passcode, says a wrong one, and asks whose records a link about someone else holds', async () => {
    const { link } = await server.share([{ contentType: 'application/fhir+json', content: IPS }], {
      passcode: 'kite',
      attempts: 4,
      label: 'Summary from Dr. Lee',
    });
    expect(await failure({ personId: 1, link })).toMatchObject({ kind: 'link-passcode-needed' });
    expect(await failure({ personId: 1, link, passcode: 'kit' })).toMatchObject({
      kind: 'link-wrong-passcode',
      message: expect.stringMatching(/^3 attempts are left/) as unknown,
    });
    const asked = await call(service, 'healthLinks.open', {
      personId: 1,
      link: ` ${link}\n`,
      passcode: 'kite',
    });
    expect(asked).toEqual({
      outcome: 'other-patient',
      otherPatients: [{ name: expect.any(String) as unknown, birthDate: expect.any(String) as unknown }],
    });
    expect(await count()).toBe(0);

    const imported = await call(service, 'healthLinks.open', {
      personId: 1,
      link,
      passcode: 'kite',
      anyPatient: true,
    });
    expect(imported).toMatchObject({ outcome: 'imported', label: 'Summary from Dr. Lee' });
    if (imported.outcome !== 'imported') throw new Error('not imported');
    expect(imported.files).toEqual([
      expect.objectContaining({ format: 'ips', skipped: null, added: expect.any(Number) as unknown }),
    ]);
    expect(await count()).toBe(imported.files[0]!.added);
    const sources = await call(service, 'connections.list', { personId: 1 });
    expect(sources.map((s) => s.label)).toContain('Health link: Summary from Dr. Lee');
    expect(events.some((e) => e.event === 'connections.changed')).toBe(true);
  });

  it('refuses what is not a link with its own words', async () => {
    expect(await failure({ personId: 1, link: 'https://example.org/not-a-link' })).toMatchObject({
      kind: 'bad-link',
      message: expect.stringMatching(/^This text holds no health link/) as unknown,
    });
  });
});
