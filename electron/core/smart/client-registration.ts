import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { VaultError } from '../errors.js';
import { normalFhirBase } from './addresses.js';

/**
 * Which client id (the app's registration with an EHR vendor or one health system) to sign in
 * with. Ids come from `config/smart-clients.json` shipped with the app, overlaid by the same file
 * in the app's data folder (beside the vault) or the file named by PHR_VAULT_SMART_CLIENTS, so a
 * distributor or a user can register their own app without rebuilding. Never a secret: public
 * clients have none, and confidential asymmetric clients use this vault's own key pair.
 */
export const vendors = ['epic', 'oracle-health', 'smart-sandbox', 'other'] as const;
export type Vendor = (typeof vendors)[number];

const Registration = z.object({
  clientId: z.string().default(''),
  /** 'public' (PKCE only) or 'private_key_jwt' (this vault's key pair, registered as a JWKS). */
  auth: z.enum(['public', 'private_key_jwt']).default('public'),
});
export type Registration = z.infer<typeof Registration>;

const ClientsFile = z.object({
  vendors: z.record(z.string(), Registration).default({}),
  endpoints: z.record(z.string(), Registration).default({}),
});
type ClientsFile = z.infer<typeof ClientsFile>;

export const CLIENTS_FILE_NAME = 'smart-clients.json';
export const CLIENTS_FILE_ENV = 'PHR_VAULT_SMART_CLIENTS';

/**
 * The shipped file: config/ at the package root, found by walking up from this module's folder:
 * from the sources (electron/core/smart), from dist (dist/electron/core/smart), and in the packaged
 * app, where electron-builder.yml puts config/smart-clients.json at the root of app.asar beside
 * dist/ (Electron's fs reads inside the archive, the core worker's too).
 */
export function shippedClientsFile(from = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'config', CLIENTS_FILE_NAME);
    if (existsSync(candidate)) return candidate;
    dir = dirname(dir);
  }
  return join(from, '..', '..', '..', 'config', CLIENTS_FILE_NAME);
}

function readClientsFile(path: string): ClientsFile | null {
  if (!existsSync(path)) return null;
  try {
    return ClientsFile.parse(JSON.parse(readFileSync(path, 'utf8')));
  } catch {
    throw new VaultError('no-client-id', `${path} could not be read as a client id file.`);
  }
}

export type ClientRegistry = {
  vendors: Record<string, Registration>;
  endpoints: Record<string, Registration>;
};

/** Shipped ids, then the user's file on top (endpoint by endpoint, vendor by vendor). */
export function loadClientRegistry(dataFolder?: string): ClientRegistry {
  const files = [
    shippedClientsFile(),
    ...(dataFolder ? [join(dataFolder, CLIENTS_FILE_NAME)] : []),
    ...(process.env[CLIENTS_FILE_ENV] ? [process.env[CLIENTS_FILE_ENV]] : []),
  ];
  const registry: ClientRegistry = { vendors: {}, endpoints: {} };
  for (const file of files) {
    const parsed = readClientsFile(file);
    if (!parsed) continue;
    Object.assign(registry.vendors, parsed.vendors);
    for (const [base, reg] of Object.entries(parsed.endpoints)) {
      try {
        registry.endpoints[normalFhirBase(base)] = reg;
      } catch {
        // An http or malformed address in someone's file can never be connected to; skip it.
      }
    }
  }
  return registry;
}

/** Guesses the vendor from the address and what the server calls its software. */
export function vendorOf(fhirBase: string, software?: string | null): Vendor {
  const host = new URL(fhirBase).hostname;
  if (/(^|\.)epic\.com$/.test(host) || /\bepic\b/i.test(software ?? '')) return 'epic';
  if (/(^|\.)cerner\.com$/.test(host) || /oracle|cerner/i.test(software ?? '')) return 'oracle-health';
  if (host === 'launch.smarthealthit.org') return 'smart-sandbox';
  return 'other';
}

/** The registration to use for one FHIR base: its own entry first, then its vendor's. */
export function registrationFor(
  registry: ClientRegistry,
  fhirBase: string,
  vendor: Vendor,
): Registration | null {
  const own = registry.endpoints[normalFhirBase(fhirBase)];
  if (own?.clientId) return own;
  const byVendor = registry.vendors[vendor];
  return byVendor?.clientId ? byVendor : null;
}
