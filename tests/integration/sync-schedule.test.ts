import { describe, expect, it } from 'vitest';
import type { VaultService } from '../../electron/core/api.js';
import type { Json } from '../../electron/core/records/fhir-values.js';
import type { SyncSummary } from '../../shared/ipc/areas/sync.js';
import { call, closedAfterAll, connectTo, newVaultService, PASSPHRASE } from '../support/connected-vault.js';
import { US_CORE_85 } from '../../testkit/fixture-paths.js';
import { resourcesFromBundle, startSyncEhr } from '../support/sync-ehr.js';

const opened = closedAfterAll();

async function scheduled(pageDelayMs = 0) {
  const ehr = await startSyncEhr({
    fhirVersion: 'R4',
    resources: resourcesFromBundle(US_CORE_85) as Json[],
    pageDelayMs,
  });
  const { service, events } = await newVaultService({ automatic: true, startDelayMs: 0 });
  opened.push({ service, ehr });
  const finished = () =>
    events.filter((e) => e.event === 'sync.finished').map((e) => e.payload as SyncSummary);
  const until = async (test: () => boolean) => {
    for (let i = 0; i < 500 && !test(); i++) await new Promise((r) => setTimeout(r, 20));
    expect(test()).toBe(true);
  };
  return { ehr, service, events, finished, until };
}

const runsOf = (service: VaultService, connectionId: number) =>
  (
    service.vault.db
      .prepare('SELECT count(*) AS n FROM sync_log WHERE connection_id = ? AND run_id IS NULL')
      .get(connectionId) as { n: number }
  ).n;

describe('the sync schedule', () => {
  it('syncs a new connection at once, announces what is new, and arms the next run in about 6 hours', async () => {
    const { ehr, service, events, finished, until } = await scheduled();
    const connectionId = await connectTo(service, ehr);
    await until(() => finished().length === 1);
    expect(finished()[0]).toMatchObject({
      connectionId,
      outcome: 'ok',
      whatIsNew: expect.stringMatching(/ from Example Hospital$/) as string,
    });
    expect(events.some((e) => e.event === 'sync.progress')).toBe(true);
    expect(events.some((e) => e.event === 'connections.changed')).toBe(true);
    const [status] = await call(service, 'sync.status');
    expect(status).toMatchObject({
      connectionId,
      running: null,
      intervalMinutes: 360,
      lastRun: { outcome: 'ok' },
    });
    const hours = (Date.parse(status!.nextRunAt!) - Date.now()) / 3600_000;
    expect(hours).toBeGreaterThan(5.3);
    expect(hours).toBeLessThan(6.7);
  });

  it('never runs two syncs of one connection at once', async () => {
    const { ehr, service, finished, until } = await scheduled(30);
    const connectionId = await connectTo(service, ehr); // starts the first run
    expect(await call(service, 'sync.now', { connectionId })).toEqual({ started: [connectionId] });
    expect(await call(service, 'sync.now', {})).toEqual({ started: [connectionId] });
    await until(() => finished().length >= 1);
    await new Promise((r) => setTimeout(r, 200));
    expect(finished()).toHaveLength(1);
    expect(runsOf(service, connectionId)).toBe(1);
  });

  it('runs nothing while offline, and what is due when the machine wakes or comes back online', async () => {
    const { ehr, service, finished, until } = await scheduled();
    await call(service, 'sync.machine', { online: false });
    const connectionId = await connectTo(service, ehr);
    await new Promise((r) => setTimeout(r, 200));
    expect(runsOf(service, connectionId)).toBe(0);
    const refused = await service.dispatch('sync.now', { connectionId });
    expect(refused).toMatchObject({
      ok: false,
      error: { kind: 'server-unreachable', message: expect.stringMatching(/offline/) as string },
    });
    await call(service, 'sync.machine', { online: true, woke: true });
    await until(() => finished().length === 1);
    expect(runsOf(service, connectionId)).toBe(1);
  });

  it('runs at unlock when due, keeps "only when I ask", and stops a run when the vault locks', async () => {
    const { ehr, service, finished, until } = await scheduled(80);
    const connectionId = await connectTo(service, ehr);
    await until(() => finished().length === 1);
    // Due again: pretend the last sync was long ago, then lock and unlock.
    service.vault.db.prepare(`UPDATE connections SET last_sync_at = '2020-01-01T00:00:00Z'`).run();
    await call(service, 'vault.lock');
    await call(service, 'vault.unlock', { passphrase: PASSPHRASE });
    await until(() => service.sync.status()[0]?.running !== null);
    // Locking mid-run cancels it; the run's line in the log says so.
    await call(service, 'vault.lock');
    await call(service, 'vault.unlock', { passphrase: PASSPHRASE });
    const cancelled = service.vault.db
      .prepare(`SELECT outcome FROM sync_log WHERE connection_id = ? AND run_id IS NULL ORDER BY id`)
      .all(connectionId) as { outcome: string }[];
    expect(cancelled.map((r) => r.outcome)).toContain('cancelled');

    const manual = await call(service, 'sync.setSchedule', {
      connectionId,
      intervalMinutes: 0,
    });
    expect(manual).toMatchObject({ intervalMinutes: 0, nextRunAt: null });
    const hourly = await call(service, 'sync.setSchedule', {
      connectionId,
      intervalMinutes: 60,
    });
    expect(hourly.intervalMinutes).toBe(60);
    expect(hourly.nextRunAt).not.toBeNull();
  });
});
