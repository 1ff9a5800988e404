import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import type { ScryptParams } from '../../electron/core/vault/key-wrapping.js';

/** Cheap scrypt for tests that unlock many times; the app and the CLI always use the default. */
export const FAST_SCRYPT: Omit<ScryptParams, 'salt'> = { name: 'scrypt', N: 2 ** 12, r: 8, p: 1 };

const made: string[] = [];
afterAll(() => {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fresh folder, removed when the test file is done. */
export function tempDir(prefix = 'phr-vault-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export const fixtures = new URL('../fixtures/', import.meta.url).pathname;
export const SYNTHEA = `${fixtures}fhir/r4/synthea/`;
export const US_CORE = `${fixtures}fhir/r4/us-core/`;
export const GEOFFREY = `${SYNTHEA}Geoffrey_Abbott_73a7d6b7-0310-4fff-9b0b-7891a5e390f5.json`;
export const DAISEY = `${SYNTHEA}Daisey_Johns_e916a083-8ee6-4df8-acbe-b711fa791253.json`;
export const CATALINA = `${SYNTHEA}Catalina_Cantú_6d9269c0-1338-4f86-b703-31e9305ecbc3.json`;
export const US_CORE_85 = `${US_CORE}uscore_bundle_patient_85.json`;
export const US_CORE_355 = `${US_CORE}uscore_bundle_patient_355.json`;
