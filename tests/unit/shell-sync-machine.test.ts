import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MachineState, type MachineReport } from '../../electron/shell/machine-state.js';

describe('MachineState', () => {
  let online = true;
  let sent: MachineReport[];
  let machine: MachineState;

  beforeEach(() => {
    vi.useFakeTimers();
    online = true;
    sent = [];
    machine = new MachineState({ isOnline: () => online, send: (report) => sent.push(report) });
  });

  afterEach(() => {
    machine.stop();
    vi.useRealTimers();
  });

  it('tells the core at start whether the machine is online', () => {
    online = false;
    machine.start();
    expect(sent).toEqual([{ online: false, woke: false }]);
  });

  it('polls every minute and reports only changes', () => {
    machine.start();
    vi.advanceTimersByTime(5 * 60_000);
    expect(sent).toEqual([{ online: true, woke: false }]);
    online = false;
    vi.advanceTimersByTime(60_000);
    vi.advanceTimersByTime(60_000);
    online = true;
    vi.advanceTimersByTime(60_000);
    expect(sent).toEqual([
      { online: true, woke: false },
      { online: false, woke: false },
      { online: true, woke: false },
    ]);
  });

  it('says the machine woke on resume, and reports again when the screen unlocks', () => {
    machine.start();
    machine.resumed();
    online = false;
    machine.screenUnlocked();
    expect(sent.slice(1)).toEqual([
      { online: true, woke: true },
      { online: false, woke: false },
    ]);
  });

  it('reports again whenever a vault opens, and not when one locks', () => {
    machine.start();
    machine.vaultStateChanged('locked');
    machine.vaultStateChanged('unlocked');
    expect(sent).toEqual([
      { online: true, woke: false },
      { online: true, woke: false },
    ]);
  });

  it('stops polling when stopped, and treats a failing check as online', () => {
    machine.start();
    machine.stop();
    online = false;
    vi.advanceTimersByTime(5 * 60_000);
    expect(sent).toHaveLength(1);

    const failing = new MachineState({
      isOnline: () => {
        throw new Error('no network service');
      },
      send: (report) => sent.push(report),
    });
    failing.resumed();
    expect(sent.at(-1)).toEqual({ online: true, woke: true });
  });
});
