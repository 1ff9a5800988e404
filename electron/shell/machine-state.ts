import type { RequestOf } from '../../shared/ipc/contract.js';
import type { VaultState } from '../../shared/domain.js';

export type MachineReport = Required<RequestOf<'sync.machine'>>;

export type MachineStateOptions = {
  /** Electron's `net.isOnline()`: whether the system has a network connection at all. */
  isOnline: () => boolean;
  /** Sends the report to the core's `sync.machine` channel. */
  send: (report: MachineReport) => void;
  pollSeconds?: number;
};

const POLL_SECONDS = 60;

/**
 * What the sync scheduler in the core cannot see from a worker thread: whether the machine is
 * online, and that it has just woken (a laptop opened after a night asleep has syncs due). Free of
 * Electron (main.ts wires `net` and `powerMonitor` to it) so the rules are unit-tested.
 *
 * Electron's main process has no online/offline event (only the renderer's `navigator.onLine`
 * has one), so the connection is polled; a minute late is nothing for a schedule counted in hours.
 */
export class MachineState {
  readonly #options: MachineStateOptions;
  #online: boolean | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(options: MachineStateOptions) {
    this.#options = options;
  }

  /** At app ready: report once, then watch for changes. */
  start(): void {
    this.#report(false);
    if (this.#timer) return;
    this.#timer = setInterval(() => this.check(), (this.#options.pollSeconds ?? POLL_SECONDS) * 1000);
    // The poll alone must never keep the process alive after the windows are gone.
    this.#timer.unref?.();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** powerMonitor 'resume': the machine woke from sleep; the scheduler runs what fell due. */
  resumed(): void {
    this.#report(true);
  }

  /** powerMonitor 'unlock-screen': the person is back; the network may have changed meanwhile. */
  screenUnlocked(): void {
    this.#report(false);
  }

  /**
   * Fed from the core's `vault.state`: an opened vault hears the machine's state again, so a core
   * that only keeps it while a vault is open never runs a schedule on a stale guess.
   */
  vaultStateChanged(state: VaultState): void {
    if (state === 'unlocked') this.#report(false);
  }

  /** The poll: reports only a change, not every minute. */
  check(): void {
    if (this.#readOnline() !== this.#online) this.#report(false);
  }

  #readOnline(): boolean {
    try {
      return this.#options.isOnline();
    } catch {
      // Asking is not worth failing over; a wrong "online" only means a sync that fails politely.
      return true;
    }
  }

  #report(woke: boolean): void {
    this.#online = this.#readOnline();
    this.#options.send({ online: this.#online, woke });
  }
}
