import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { VaultError } from '../errors.js';
import { normalFhirBase } from './addresses.js';
import { directoryVendorOf, directoryVendors } from './directory/institution-directory.js';

/**
 * Which client id (the app's registration with an EHR vendor or one health system) to sign in
 * with. Ids come from `config/smart-clients.json` shipped with the app, overlaid by the same file
 * in the app's data folder (beside the vault) or the file named by PHR_VAULT_SMART_CLIENTS, so a
 * distributor or a user can register their own app without rebuilding. Never a secret: public
 * clients have none, and confidential asymmetric clients use this vault's own key pair.
 */
/** A vendor's id: one of the directory's ('epic', 'oracle-health', 'eclinicalworks', …) or 'other'. */
export type Vendor = string;

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
    throw new VaultError('clients-file-unreadable', `${path} is not a client id file PHR Vault can read.`);
  }
}

export type ClientRegistry = {
  vendors: Record<string, Registration>;
  endpoints: Record<string, Registration>;
};

/** Where a registration comes from: the app as shipped, this computer's file, or the environment's. */
export type RegistrationSource = 'app' | 'this-computer' | 'environment';

/**
 * `environmentFile` is the file PHR_VAULT_SMART_CLIENTS names: the program's entry point reads the
 * variable and hands it to the core when it makes it (ServiceOptions.smartClientsFile), so the core
 * reads no process-wide setting of its own and a test can give each service its own.
 */
function layers(
  dataFolder?: string,
  environmentFile?: string | null,
): { from: RegistrationSource; file: string }[] {
  return [
    { from: 'app', file: shippedClientsFile() },
    ...(dataFolder ? [{ from: 'this-computer' as const, file: join(dataFolder, CLIENTS_FILE_NAME) }] : []),
    ...(environmentFile ? [{ from: 'environment' as const, file: environmentFile }] : []),
  ];
}

type Sourced = Registration & { from: RegistrationSource };

function loadSourced(
  dataFolder?: string,
  environmentFile?: string | null,
): {
  vendors: Record<string, Sourced>;
  endpoints: Record<string, Sourced>;
} {
  const registry = { vendors: {} as Record<string, Sourced>, endpoints: {} as Record<string, Sourced> };
  for (const { from, file } of layers(dataFolder, environmentFile)) {
    const parsed = readClientsFile(file);
    if (!parsed) continue;
    for (const [vendor, reg] of Object.entries(parsed.vendors)) registry.vendors[vendor] = { ...reg, from };
    for (const [base, reg] of Object.entries(parsed.endpoints)) {
      try {
        registry.endpoints[normalFhirBase(base)] = { ...reg, from };
      } catch {
        // An http or malformed address in someone's file can never be connected to; skip it.
      }
    }
  }
  return registry;
}

/** Shipped ids, then the user's file on top (endpoint by endpoint, vendor by vendor). */
export function loadClientRegistry(dataFolder?: string, environmentFile?: string | null): ClientRegistry {
  return loadSourced(dataFolder, environmentFile);
}

export type RegistrationTarget = { vendor: string } | { fhirBase: string };

export type RegistrationsOverview = {
  /** Every vendor the directory knows, with its name, and 'other' last. */
  vendors: {
    vendor: string;
    name: string;
    clientId: string;
    auth: Registration['auth'];
    from: RegistrationSource | null;
  }[];
  endpoints: { fhirBase: string; clientId: string; auth: Registration['auth']; from: RegistrationSource }[];
  /** The file this computer's registrations are saved in. */
  file: string | null;
  /** Set when PHR_VAULT_SMART_CLIENTS names a file, whose entries win over this computer's. */
  environmentFile: string | null;
};

export function describeRegistrations(
  dataFolder?: string,
  environmentFile?: string | null,
): RegistrationsOverview {
  const registry = loadSourced(dataFolder, environmentFile);
  const known = [...directoryVendors(), { vendor: 'other', name: 'Any other (by FHIR address only)' }];
  const unnamed = Object.keys(registry.vendors).filter((v) => !known.some((k) => k.vendor === v));
  return {
    vendors: [...known, ...unnamed.map((vendor) => ({ vendor, name: vendor }))].map(({ vendor, name }) => {
      const reg = registry.vendors[vendor];
      return {
        vendor,
        name,
        clientId: reg?.clientId ?? '',
        auth: reg?.auth ?? 'public',
        from: reg?.clientId ? reg.from : null,
      };
    }),
    endpoints: Object.entries(registry.endpoints)
      .filter(([, reg]) => reg.clientId)
      .map(([fhirBase, reg]) => ({ fhirBase, clientId: reg.clientId, auth: reg.auth, from: reg.from })),
    file: dataFolder ? join(dataFolder, CLIENTS_FILE_NAME) : null,
    environmentFile: environmentFile ?? null,
  };
}

/**
 * A client id as the developer sites hand them out (Epic: a UUID; Oracle Health: a UUID; others:
 * letters, digits and signs). Anything with spaces or control characters is a paste gone wrong.
 */
const CLIENT_ID = /^[\x21-\x7e]{1,200}$/;

function targetKey(target: RegistrationTarget): { section: 'vendors' | 'endpoints'; key: string } {
  if ('vendor' in target) {
    if (!/^[a-z0-9][a-z0-9-]{0,79}$/.test(target.vendor)) {
      throw new VaultError('invalid-request', `“${target.vendor}” is not a vendor PHR Vault knows.`);
    }
    return { section: 'vendors', key: target.vendor };
  }
  return { section: 'endpoints', key: normalFhirBase(target.fhirBase) };
}

/**
 * Changes this computer's file (beside the vault), never the shipped one: written whole to a
 * temporary file and renamed over the old, so a crash leaves the old file or the new, and a file
 * that cannot be read is left as it is rather than replaced.
 */
function rewriteOwnFile(dataFolder: string, change: (file: ClientsFile) => void): void {
  const path = join(dataFolder, CLIENTS_FILE_NAME);
  const current = readClientsFile(path) ?? { vendors: {}, endpoints: {} };
  change(current);
  mkdirSync(dataFolder, { recursive: true });
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    writeFileSync(temporary, `${JSON.stringify(current, null, 2)}\n`, { mode: 0o600 });
    renameSync(temporary, path);
  } finally {
    rmSync(temporary, { force: true });
  }
}

export function saveRegistration(
  dataFolder: string,
  target: RegistrationTarget,
  registration: { clientId: string; auth: Registration['auth'] },
): void {
  const clientId = registration.clientId.trim();
  if (!CLIENT_ID.test(clientId)) throw new VaultError('bad-client-id');
  const { section, key } = targetKey(target);
  rewriteOwnFile(dataFolder, (file) => {
    file[section][key] = { clientId, auth: registration.auth };
  });
}

/** Forgets this computer's registration; the app's own, if any, applies again. */
export function removeRegistration(dataFolder: string, target: RegistrationTarget): boolean {
  const { section, key } = targetKey(target);
  let removed = false;
  rewriteOwnFile(dataFolder, (file) => {
    removed = Object.hasOwn(file[section], key);
    delete file[section][key];
  });
  return removed;
}

/** Guesses the vendor from the address and what the server calls its software. */
export function vendorOf(fhirBase: string, software?: string | null): Vendor {
  const listed = directoryVendorOf(fhirBase);
  if (listed) return listed;
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
