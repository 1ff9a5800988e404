import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VaultService } from '../../electron/core/api.js';
import type { CoreChannel, RequestOf } from '../../shared/ipc/contract.js';
import { importFhirFiles } from '../../electron/core/exchange/import-fhir.js';
import type { Json } from '../../electron/core/records/fhir-values.js';
import {
  call as callOn,
  closedAfterAll,
  connectTo,
  newVaultService,
  pagesStored,
} from '../support/connected-vault.js';
import { resourcesFromBundle, startSyncEhr } from '../support/sync-ehr.js';
import { DAISEY, GEOFFREY } from '../support/temp-dir.js';

/**
 * Renaming a connection through the service, as the connections screen does: the new name is what
 * every record from it shows, and one person's sources keep names that tell them apart.
 */
describe('naming connections', () => {
  let service: VaultService;
  let events: { event: string; payload: unknown }[];
  let owner: number;
  let child: number;

  const call = <C extends CoreChannel>(channel: C, request?: RequestOf<C>) =>
    callOn(service, channel, request);
  const connectionsOf = (personId: number) => call('connections.list', { personId });

  beforeAll(async () => {
    ({ service, events } = await newVaultService());
    owner = (await call('persons.list'))[0]!.id;
    child = (await call('persons.add', { name: 'Daisey', relationship: 'child' })).id;
    const db = service.vault.db;
    await importFhirFiles(db, [GEOFFREY], { personId: owner, sourceLabel: 'cd-from-clinic' });
    await importFhirFiles(db, [GEOFFREY], { personId: owner, sourceLabel: 'Riverside Hospital' });
    await importFhirFiles(db, [DAISEY], { personId: child, sourceLabel: 'Riverside Hospital' });
  });
  afterAll(() => service.close());

  it('renames a connection, and its records show the new name', async () => {
    const [cd] = await connectionsOf(owner);
    expect(cd!.label).toBe('cd-from-clinic');
    events.length = 0;

    const renamed = await call('connections.rename', {
      connectionId: cd!.id,
      label: '  Dr.  Lee’s   clinic ',
    });
    // Spaces as typed are tidied: what shows is one space between words.
    expect(renamed).toMatchObject({ id: cd!.id, label: 'Dr. Lee’s clinic', kind: 'import' });
    expect(events).toContainEqual({ event: 'connections.changed', payload: { connectionId: cd!.id } });
    expect((await connectionsOf(owner)).map((c) => c.label)).toEqual([
      'Dr. Lee’s clinic',
      'Riverside Hospital',
    ]);

    const page = await call('timeline.page', {
      personId: owner,
      connectionIds: [cd!.id],
      limit: 500,
    });
    expect(page.entries.length).toBeGreaterThan(0);
    expect(new Set(page.entries.map((e) => e.source.label))).toEqual(new Set(['Dr. Lee’s clinic']));
  });

  it('keeps the same person’s sources apart by name, whatever the letters’ case', async () => {
    const [cd, riverside] = await connectionsOf(owner);
    const refused = await service.dispatch('connections.rename', {
      connectionId: cd!.id,
      label: 'RIVERSIDE hospital',
    });
    expect(refused).toMatchObject({
      ok: false,
      error: {
        kind: 'name-taken',
        message: expect.stringContaining('already has a connection by that name') as unknown,
      },
    });
    expect((await connectionsOf(owner)).map((c) => c.label)).toEqual(['Dr. Lee’s clinic', riverside!.label]);

    // Another person's connection may well have the same name: the child saw the same hospital.
    const [childs] = await connectionsOf(child);
    expect(childs!.label).toBe('Riverside Hospital');
    await call('connections.rename', { connectionId: childs!.id, label: 'Dr. Lee’s clinic' });
    expect((await connectionsOf(child))[0]!.label).toBe('Dr. Lee’s clinic');

    // Its own name in other letters is not a clash with itself.
    await call('connections.rename', { connectionId: riverside!.id, label: 'Riverside HOSPITAL' });
    expect((await connectionsOf(owner))[1]!.label).toBe('Riverside HOSPITAL');
  });

  it('refuses an empty name and a connection that is not there, changing nothing', async () => {
    const before = await connectionsOf(owner);
    for (const label of ['', '   ']) {
      const refused = await service.dispatch('connections.rename', { connectionId: before[0]!.id, label });
      expect(refused).toMatchObject({ ok: false, error: { kind: 'invalid-request' } });
    }
    const tooLong = await service.dispatch('connections.rename', {
      connectionId: before[0]!.id,
      label: 'x'.repeat(201),
    });
    expect(tooLong).toMatchObject({ ok: false, error: { kind: 'invalid-request' } });
    const missing = await service.dispatch('connections.rename', { connectionId: 9999, label: 'Anything' });
    expect(missing).toMatchObject({ ok: false, error: { kind: 'not-found' } });
    expect(await connectionsOf(owner)).toEqual(before);
  });
});

describe('a connection renamed while it syncs', () => {
  const opened = closedAfterAll();

  it('says what is new under the name it has when the run ends', async () => {
    const ehr = await startSyncEhr({ fhirVersion: 'R4', resources: resourcesFromBundle(DAISEY) as Json[] });
    const { service, events } = await newVaultService({ automatic: false, run: { pageSize: 20 } });
    opened.push({ service, ehr });
    const connectionId = await connectTo(service, ehr);
    const done = service.sync.runAndWait(connectionId);
    await pagesStored(events, 2);
    const before = events.length;
    await callOn(service, 'connections.rename', { connectionId, label: 'Riverside Children’s' });
    // The run's progress says the new name at once (the header's indicator shows it), not at its
    // next page, and every later progress event keeps it.
    const progressAfter = () =>
      events
        .slice(before)
        .filter((e) => e.event === 'sync.progress')
        .map((e) => (e.payload as { label: string }).label);
    expect(progressAfter()[0]).toBe('Riverside Children’s');
    const summary = await done;
    expect(new Set(progressAfter())).toEqual(new Set(['Riverside Children’s']));
    expect(summary).toMatchObject({
      outcome: 'ok',
      label: 'Riverside Children’s',
      whatIsNew: expect.stringMatching(/ from Riverside Children’s$/) as unknown,
    });
  });
});
