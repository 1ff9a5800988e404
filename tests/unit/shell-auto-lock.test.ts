import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AutoLock } from '../../electron/shell/auto-lock.js';

describe('AutoLock', () => {
  let idleSeconds = 0;
  let lock: ReturnType<typeof vi.fn<() => void>>;
  let autoLock: AutoLock;

  beforeEach(() => {
    vi.useFakeTimers();
    idleSeconds = 0;
    lock = vi.fn<() => void>();
    autoLock = new AutoLock({ idleMinutes: 10, systemIdleSeconds: () => idleSeconds, lock, pollSeconds: 15 });
  });

  afterEach(() => {
    autoLock.stop();
    vi.useRealTimers();
  });

  it('locks an open vault once the system has been idle for the set minutes', () => {
    autoLock.vaultStateChanged('unlocked');
    autoLock.start();
    idleSeconds = 9 * 60;
    vi.advanceTimersByTime(15_000);
    expect(lock).not.toHaveBeenCalled();
    idleSeconds = 10 * 60;
    vi.advanceTimersByTime(15_000);
    expect(lock).toHaveBeenCalledTimes(1);
  });

  it('asks once per idle stretch, and again after the person came back and left', () => {
    autoLock.vaultStateChanged('unlocked');
    autoLock.start();
    idleSeconds = 11 * 60;
    vi.advanceTimersByTime(60_000);
    expect(lock).toHaveBeenCalledTimes(1);
    // The lock did not take (say the worker was busy): the vault is still reported open.
    idleSeconds = 5;
    vi.advanceTimersByTime(15_000);
    idleSeconds = 10 * 60;
    vi.advanceTimersByTime(15_000);
    expect(lock).toHaveBeenCalledTimes(2);
  });

  it('does nothing while the vault is locked or absent', () => {
    autoLock.start();
    idleSeconds = 60 * 60;
    vi.advanceTimersByTime(60_000);
    autoLock.vaultStateChanged('locked');
    autoLock.lockNow();
    vi.advanceTimersByTime(60_000);
    expect(lock).not.toHaveBeenCalled();
  });

  it('locks at once on screen lock or sleep', () => {
    autoLock.vaultStateChanged('unlocked');
    autoLock.lockNow();
    expect(lock).toHaveBeenCalledTimes(1);
  });

  it('stops polling when stopped, and 0 minutes turns idle locking off', () => {
    autoLock.vaultStateChanged('unlocked');
    autoLock.start();
    autoLock.stop();
    idleSeconds = 60 * 60;
    vi.advanceTimersByTime(60_000);
    expect(lock).not.toHaveBeenCalled();

    const off = new AutoLock({ idleMinutes: 0, systemIdleSeconds: () => 1e6, lock });
    off.vaultStateChanged('unlocked');
    off.start();
    off.check();
    vi.advanceTimersByTime(60_000);
    expect(lock).not.toHaveBeenCalled();
    off.lockNow();
    expect(lock).toHaveBeenCalledTimes(1);
  });
});
