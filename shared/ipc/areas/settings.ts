import { z } from 'zod';
import { Empty } from './common.js';

/** How weight, height and temperature are shown: pounds, inches and °F, or kilograms, cm and °C. */
export const UnitSystem = z.enum(['us', 'metric']);
export type UnitSystem = z.infer<typeof UnitSystem>;

const UnitChoice = z.object({
  units: UnitSystem,
  /** Whether the person chose it; until they do, it follows the computer's region. */
  chosen: z.boolean(),
});

/** The vault's own display choices (kept in it, so a restored vault reads the same way). */
export const settingsChannels = {
  'settings.units': { request: Empty, response: UnitChoice },
  'settings.setUnits': { request: z.object({ units: UnitSystem }).strict(), response: UnitChoice },
} as const;
