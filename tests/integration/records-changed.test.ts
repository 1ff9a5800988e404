import { afterAll, describe, expect, it } from 'vitest';
import type { Json } from '../../electron/core/records/fhir-values.js';
import type { RecordsChanged } from '../../shared/ipc/areas/records.js';
import type { SyncSummary } from '../../shared/ipc/areas/sync.js';
import { call, closedAfterAll, connectTo, newVaultService } from '../support/connected-vault.js';
import { imported } from '../../testkit/chosen-files.js';
import { US_CORE_85, fixtures } from '../../testkit/fixture-paths.js';
import { resourcesFromBundle, startSyncEhr } from '../support/sync-ehr.js';

const opened = closedAfterAll();

const until = async (test: () => boolean) => {
  for (let i = 0; i < 1500 && !test(); i++) await new Promise((r) => setTimeout(r, 20));
  expect(test()).toBe(true);
};

/** A vault whose every event is kept, with what the vault held when each records.changed came. */
async function watchedVault(sync: Parameters<typeof newVaultService>[0]) {
  const { service, events } = await newVaultService(sync);
  const changes: { change: RecordsChanged; inTransaction: boolean; stored: number }[] = [];
  service.on((event, payload) => {
    if (event !== 'records.changed') return;
    const db = service.vault.db;
    changes.push({
      change: payload as RecordsChanged,
      // Whoever is told reads at once, on another connection: the records must be committed.
      inTransaction: db.inTransaction,
      stored: db.prepare('SELECT count(*) FROM resources').pluck().get() as number,
    });
  });
  return { service, events, changes };
}

describe('records.changed', () => {
  it('is sent as a sync stores each page, once committed, then once when the sync ends', async () => {
    const ehr = await startSyncEhr({
      fhirVersion: 'R4',
      resources: resourcesFromBundle(US_CORE_85) as Json[],
      pageSize: 5,
    });
    const { service, events, changes } = await watchedVault({ automatic: true, startDelayMs: 0 });
    opened.push({ service, ehr });
    await connectTo(service, ehr);
    const finished = () => events.filter((e) => e.event === 'sync.finished');
    await until(() => finished().length === 1);
    const summary = finished()[0]!.payload as SyncSummary;
    expect(summary.added).toBeGreaterThan(20);

    const ended = changes.filter((c) => !c.change.ongoing);
    const during = changes.filter((c) => c.change.ongoing);
    // Page by page, so a window can show the first records while the rest arrive.
    expect(during.length).toBeGreaterThan(3);
    for (const { change, inTransaction } of during) {
      expect(change).toMatchObject({ personId: 1, cause: 'sync', removed: 0 });
      expect(change.added + change.updated).toBeGreaterThan(0);
      expect(inTransaction).toBe(false);
    }
    // Each says what was stored since the one before: together, what the sync added.
    expect(during.reduce((sum, c) => sum + c.change.added, 0)).toBe(summary.added);
    let counted = 0;
    for (const { change, stored } of during) {
      counted += change.added;
      expect(stored).toBeGreaterThanOrEqual(counted);
    }
    expect(new Set(during.flatMap((c) => c.change.categories))).toEqual(
      new Set(Object.keys(summary.newByCategory)),
    );
    // The last one ends it, before sync.finished, with the run's totals.
    expect(ended).toEqual([
      {
        change: {
          personId: 1,
          cause: 'sync',
          added: summary.added,
          updated: summary.updated,
          removed: summary.gone,
          categories: Object.keys(summary.newByCategory),
          ongoing: false,
        },
        inTransaction: false,
        stored: expect.any(Number) as number,
      },
    ]);
    const order = events.map((e) => e.event);
    expect(order.lastIndexOf('records.changed')).toBeLessThan(order.indexOf('sync.finished'));

    // A sync that brings nothing new says nothing.
    changes.length = 0;
    expect(await call(service, 'sync.now', {})).toEqual({ started: [1] });
    await until(() => finished().length === 2);
    expect((finished()[1]!.payload as SyncSummary).added).toBe(0);
    expect(changes).toEqual([]);
  });

  it('is sent when an import ends, and when a source or a person goes with their records', async () => {
    const { service, changes } = await watchedVault({ automatic: false });
    afterAll(() => service.close());
    const sam = await call(service, 'persons.add', { name: 'Sam Lee', relationship: 'child' });
    const ccd = `${fixtures}cda-documents/CCD_1.xml`;

    const first = await imported(service, ccd, sam.id);
    expect(changes.map((c) => c.change)).toEqual([
      {
        personId: sam.id,
        cause: 'import',
        added: first.added,
        updated: 0,
        removed: 0,
        categories: [],
        ongoing: false,
      },
    ]);
    expect(changes[0]!.inTransaction).toBe(false);
    // The same file again adds nothing: nothing to say.
    await imported(service, ccd, sam.id);
    expect(changes).toHaveLength(1);

    const second = await imported(service, US_CORE_85, sam.id);
    const { recordsDeleted } = await call(service, 'connections.disconnect', {
      connectionId: second.connectionId,
      keepRecords: false,
    });
    expect(recordsDeleted).toBeGreaterThan(0);
    expect(changes.at(-1)!.change).toEqual({
      personId: sam.id,
      cause: 'removed',
      added: 0,
      updated: 0,
      removed: recordsDeleted,
      categories: [],
      ongoing: false,
    });

    const removed = await call(service, 'persons.remove', { personId: sam.id });
    expect(changes.at(-1)!.change).toMatchObject({
      personId: sam.id,
      cause: 'removed',
      removed: removed.records,
    });
    expect(removed.records).toBeGreaterThan(0);
  });
});
