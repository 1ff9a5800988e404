import { UnitSystem } from '../../../shared/ipc/areas/settings.js';
import type { ReadableDB, VaultDatabase } from './database.js';

const UNITS_KEY = 'display:units';

/** The units the person chose, kept in the vault's `settings` table; null until they choose. */
export function chosenUnits(db: ReadableDB): UnitSystem | null {
  const value = db
    .prepare<[string], string>('SELECT value FROM settings WHERE key = ?')
    .pluck()
    .get(UNITS_KEY);
  if (value === undefined) return null;
  try {
    return UnitSystem.safeParse(JSON.parse(value)).data ?? null;
  } catch {
    // A value that does not parse counts as never chosen rather than failing the read.
    return null;
  }
}

export function chooseUnits(db: VaultDatabase, units: UnitSystem): void {
  db.prepare(
    'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
  ).run(UNITS_KEY, JSON.stringify(UnitSystem.parse(units)));
}
