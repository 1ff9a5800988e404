import { SyncSummary } from '../../shared/ipc/areas/sync.js';
import type { CoreEventListener } from '../core/worker/core-client.js';

/** The part of Electron's `Notification` used here, so tests can hand in a fake class. */
export interface ShownNotification {
  on(event: 'click' | 'close' | 'failed', listener: () => void): unknown;
  show(): void;
}
export interface NotificationClass {
  new (options: { title: string; body: string; silent?: boolean }): ShownNotification;
  isSupported(): boolean;
}

export type SyncNotificationOptions = {
  Notification: NotificationClass;
  /** Brings the app's window forward (or opens one), as a click on the notification expects. */
  focusApp: () => void;
};

// A notification nobody references can be garbage-collected while it is still on screen, and
// then its click does nothing (electron/electron#12690); a handful kept is plenty.
const MAX_KEPT = 10;

/**
 * Tells the person, through the OS, that a sync brought something new: "3 new lab results from
 * Example Hospital". That sentence is all it says. A notification is seen on a lock screen or by
 * someone passing by, so no record's content (a diagnosis, a value) ever goes into one, and a
 * run with nothing new stays silent (the window shows "Up to date" for whoever is looking).
 */
export class SyncNotifications {
  readonly #options: SyncNotificationOptions;
  readonly #kept = new Set<ShownNotification>();

  constructor(options: SyncNotificationOptions) {
    this.#options = options;
  }

  /** A core event listener: give it every event, it reacts to `sync.finished` only. */
  readonly onCoreEvent: CoreEventListener = (event, payload) => {
    if (event === 'sync.finished') this.finished(payload);
  };

  finished(payload: unknown): void {
    const summary = SyncSummary.safeParse(payload);
    if (!summary.success) return;
    const sentence = summary.data.whatIsNew?.trim();
    if (!sentence) return;
    const { Notification, focusApp } = this.#options;
    if (!Notification.isSupported()) return;

    const notification = new Notification({ title: 'PHR Vault', body: sentence });
    const forget = () => this.#kept.delete(notification);
    notification.on('click', () => {
      forget();
      focusApp();
    });
    notification.on('close', forget);
    notification.on('failed', forget);
    this.#kept.add(notification);
    while (this.#kept.size > MAX_KEPT) this.#kept.delete(this.#kept.values().next().value!);
    notification.show();
  }
}
