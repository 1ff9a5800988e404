import { describe, expect, it, vi } from 'vitest';
import type { SyncSummary } from '../../shared/ipc/areas/sync.js';
import { SyncNotifications, type ShownNotification } from '../../electron/shell/sync-notifications.js';

/** Stands in for Electron's Notification: records what was made and lets the test click it. */
function fakeNotificationClass(supported = true) {
  const made: FakeNotification[] = [];
  class FakeNotification implements ShownNotification {
    static isSupported = () => supported;
    readonly listeners = new Map<string, (() => void)[]>();
    shown = 0;
    constructor(readonly options: { title: string; body: string; silent?: boolean }) {
      made.push(this);
    }
    on(event: string, listener: () => void): this {
      this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
      return this;
    }
    show(): void {
      this.shown++;
    }
    emit(event: string): void {
      for (const listener of this.listeners.get(event) ?? []) listener();
    }
  }
  return { FakeNotification, made };
}

function summary(overrides: Partial<SyncSummary> = {}): SyncSummary {
  return {
    connectionId: 1,
    label: 'Example Hospital',
    outcome: 'ok',
    startedAt: '2026-11-21T17:00:00.000Z',
    finishedAt: '2026-11-21T17:01:00.000Z',
    added: 3,
    updated: 0,
    gone: 0,
    failedTypes: [],
    newByCategory: { labs: 3 },
    whatIsNew: '3 new lab results from Example Hospital',
    message: null,
    ...overrides,
  };
}

describe('SyncNotifications', () => {
  it('shows the sentence of what is new, titled PHR Vault, and nothing else', () => {
    const { FakeNotification, made } = fakeNotificationClass();
    const notifications = new SyncNotifications({ Notification: FakeNotification, focusApp: vi.fn() });
    notifications.onCoreEvent('sync.finished', summary());
    expect(made).toHaveLength(1);
    expect(made[0]!.options).toEqual({ title: 'PHR Vault', body: '3 new lab results from Example Hospital' });
    expect(made[0]!.shown).toBe(1);
  });

  it('stays silent when nothing is new, for other events and for a payload it cannot read', () => {
    const { FakeNotification, made } = fakeNotificationClass();
    const notifications = new SyncNotifications({ Notification: FakeNotification, focusApp: vi.fn() });
    notifications.onCoreEvent('sync.finished', summary({ whatIsNew: null, added: 0 }));
    notifications.onCoreEvent('sync.finished', summary({ whatIsNew: '  ' }));
    notifications.onCoreEvent('sync.progress', { whatIsNew: 'not a summary' });
    notifications.onCoreEvent('vault.state', { state: 'unlocked' });
    notifications.onCoreEvent('sync.finished', { whatIsNew: 'a bare sentence with no summary around it' });
    expect(made).toHaveLength(0);
  });

  it('does nothing where the system has no notifications', () => {
    const { FakeNotification, made } = fakeNotificationClass(false);
    const notifications = new SyncNotifications({ Notification: FakeNotification, focusApp: vi.fn() });
    notifications.onCoreEvent('sync.finished', summary());
    expect(made).toHaveLength(0);
  });

  it('brings the window forward when the notification is clicked', () => {
    const { FakeNotification, made } = fakeNotificationClass();
    const focusApp = vi.fn();
    const notifications = new SyncNotifications({ Notification: FakeNotification, focusApp });
    notifications.onCoreEvent('sync.finished', summary());
    expect(focusApp).not.toHaveBeenCalled();
    made[0]!.emit('click');
    expect(focusApp).toHaveBeenCalledTimes(1);
  });

  it('notifies for a partial run that still brought something new', () => {
    const { FakeNotification, made } = fakeNotificationClass();
    const notifications = new SyncNotifications({ Notification: FakeNotification, focusApp: vi.fn() });
    notifications.onCoreEvent(
      'sync.finished',
      summary({
        outcome: 'partial',
        failedTypes: [{ resourceType: 'Immunization', message: 'The server refused.' }],
        whatIsNew: '1 new condition from Example Hospital',
      }),
    );
    expect(made.map((n) => n.options.body)).toEqual(['1 new condition from Example Hospital']);
  });
});
