import type { ResponseOf } from '../../../shared/ipc/contract.js';
import type { UnitSystem } from '../../../shared/ipc/areas/settings.js';
import { api, messageOf } from './api.js';

export type UnitChoice = ResponseOf<'settings.units'>;

/** The two ways weight, height and temperature read, as the choice offers them. */
export const unitSystemWords: Record<UnitSystem, string> = {
  us: 'US (lb, in, °F)',
  metric: 'Metric (kg, cm, °C)',
};

/** Which units the vault shows weight, height and temperature in. */
export class Units {
  #choice = $state.raw<UnitChoice | null>(null);
  #problem = $state<string | null>(null);

  get choice(): UnitChoice | null {
    return this.#choice;
  }
  get problem(): string | null {
    return this.#problem;
  }

  async load(): Promise<void> {
    try {
      this.#choice = await api.call('settings.units', {});
    } catch (failure) {
      this.#problem = messageOf(failure);
    }
  }

  /** True once the vault keeps the new choice (then what is shown is read again). */
  async choose(units: UnitSystem): Promise<boolean> {
    this.#problem = null;
    try {
      this.#choice = await api.call('settings.setUnits', { units });
      return true;
    } catch (failure) {
      this.#problem = messageOf(failure);
      return false;
    }
  }
}
