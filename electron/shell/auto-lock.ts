import type { VaultState } from '../../shared/domain.js';

export const DEFAULT_IDLE_LOCK_MINUTES = 10;
const POLL_SECONDS = 15;

export type AutoLockOptions = {
  /** Minutes of no keyboard or mouse input, system-wide, before locking; 0 turns idle locking off. */
  idleMinutes: number;
  /** Seconds since the last input anywhere on the system (`powerMonitor.getSystemIdleTime`). */
  systemIdleSeconds: () => number;
  /** Asks the core to lock; it wipes the key from memory and announces the new state. */
  lock: () => void;
  pollSeconds?: number;
};

/**
 * Locks the vault when the person walks away: the screen locks, the machine sleeps, or nobody has
 * touched the keyboard or mouse for a while. Records on screen are health data; a laptop left open
 * in a waiting room should not show them. Free of Electron (main.ts wires powerMonitor to it) so
 * the timing rules are unit-tested.
 */
export class AutoLock {
  readonly #options: AutoLockOptions;
  #unlocked = false;
  // One lock per stretch of idleness: without this an idle machine would be asked to lock every poll.
  #lockedThisIdleStretch = false;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(options: AutoLockOptions) {
    this.#options = options;
  }

  /** Fed from the core's `vault.state` events, so nothing is sent to a vault that is not open. */
  vaultStateChanged(state: VaultState): void {
    this.#unlocked = state === 'unlocked';
    if (this.#unlocked) this.#lockedThisIdleStretch = false;
  }

  /** The screen locked or the system is about to sleep: lock at once, whatever the idle time. */
  lockNow(): void {
    if (this.#unlocked) this.#options.lock();
  }

  start(): void {
    if (this.#timer || this.#options.idleMinutes <= 0) return;
    const period = (this.#options.pollSeconds ?? POLL_SECONDS) * 1000;
    this.#timer = setInterval(() => this.check(), period);
    // The poll alone must never keep the process alive after the windows are gone.
    this.#timer.unref?.();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  check(): void {
    if (this.#options.idleMinutes <= 0) return;
    const idle = this.#options.systemIdleSeconds();
    if (idle < this.#options.idleMinutes * 60) {
      this.#lockedThisIdleStretch = false;
      return;
    }
    if (this.#unlocked && !this.#lockedThisIdleStretch) {
      this.#lockedThisIdleStretch = true;
      this.#options.lock();
    }
  }
}
