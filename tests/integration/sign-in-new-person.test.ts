import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { VaultService } from '../../electron/core/api.js';
import { call, newVaultService } from '../support/connected-vault.js';
import { startEhr, type Ehr } from '../support/smart-server-ehr.js';

/**
 * A sign-in about someone other than the person chosen can make that person on the spot, as an
 * import about someone else can; and removing them later revokes the sign-in and takes its source.
 */
describe('a sign-in about someone else', () => {
  let service: VaultService;
  let ehr: Ehr;

  beforeAll(async () => {
    ({ service } = await newVaultService());
    ehr = await startEhr();
    writeFileSync(
      join(dirname(service.options.vaultPath), 'smart-clients.json'),
      JSON.stringify({ endpoints: { [ehr.fhir.base]: { clientId: 'phr-vault-test' } } }),
    );
  });
  afterAll(async () => {
    service.close();
    await ehr.close();
  });

  it('is linked to a new person named from the portal’s patient when the user says so', async () => {
    const [owner] = await call(service, 'persons.list');
    const asked = await call(service, 'connections.connect', {
      fhirBase: ehr.fhir.base,
      personId: owner!.id,
      label: 'Test Hospital',
    });
    expect(asked).toMatchObject({ outcome: 'confirm', comparison: { name: 'different' } });
    if (asked.outcome !== 'confirm') return;

    const linked = await call(service, 'connections.confirm', {
      pendingId: asked.pendingId,
      link: true,
      asNewPerson: true,
    });
    expect(linked).toMatchObject({ outcome: 'connected', connection: { label: 'Test Hospital' } });
    if (linked.outcome !== 'connected') return;
    const people = await call(service, 'persons.list');
    expect(people.map((p) => [p.name, p.relationship])).toEqual([
      ['Test Patient', 'self'],
      ['Geoffrey Abbott', 'other'],
    ]);
    const geoffrey = people[1]!;
    expect(linked.connection.personId).toBe(geoffrey.id);
    expect(await call(service, 'connections.list', { personId: owner!.id })).toEqual([]);

    // Removing them waits for the first sync, revokes the sign-in and takes the source with them.
    const removal = await call(service, 'persons.removal', { personId: geoffrey.id });
    expect(removal).toMatchObject({ name: 'Geoffrey Abbott', sources: 1 });
    const removed = await call(service, 'persons.remove', { personId: geoffrey.id });
    expect(removed.sources).toBe(1);
    expect(await call(service, 'connections.list', {})).toEqual([]);
    expect((await call(service, 'persons.list')).map((p) => p.name)).toEqual(['Test Patient']);
    expect(service.vault.db.prepare('SELECT count(*) FROM resources').pluck().get()).toBe(0);
  });
});
