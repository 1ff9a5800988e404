import { writeFileSync } from 'node:fs';
import { afterAll } from 'vitest';
import { dirname, join } from 'node:path';
import { VaultService, type ServiceOptions } from '../../electron/core/api.js';
import type { CoreChannel, RequestOf, ResponseOf } from '../../shared/ipc/contract.js';
import { approveInBrowser } from './smart-server.js';
import type { SyncEhr } from './sync-ehr.js';
import { FAST_SCRYPT, tempDir } from './temp-dir.js';

export const PASSPHRASE = 'correct horse battery';

/**
 * Calls a channel as the renderer would, throwing the user's message on failure. Typed from the
 * contract, so a changed request or response shape fails to compile here as in the renderer.
 */
export async function call<C extends CoreChannel>(
  service: VaultService,
  channel: C,
  request?: RequestOf<C>,
): Promise<ResponseOf<C>> {
  const result = await service.dispatch(channel, request ?? {});
  if (!result.ok) throw new Error(`${channel}: ${result.error.kind}: ${result.error.message}`);
  return result.value as ResponseOf<C>;
}

/** A new vault (fast scrypt) as a service, with events recorded. */
export async function newVaultService(
  sync: ServiceOptions['sync'] = { automatic: false },
  vaultPath = join(tempDir('phr-vault-sync-'), 'vault.phrvault'),
): Promise<{ service: VaultService; events: { event: string; payload: unknown }[] }> {
  const service = new VaultService({
    vaultPath,
    transport: 'host',
    appVersion: 'test',
    scrypt: FAST_SCRYPT,
    sync,
    // The sign-in page is approved as the patient would, in place of their browser.
    openBrowser: (url) => void approveInBrowser(url),
  });
  const events: { event: string; payload: unknown }[] = [];
  service.on((event, payload) => events.push({ event, payload }));
  await call(service, 'vault.create', { passphrase: PASSPHRASE, ownerName: 'Test Patient' });
  return { service, events };
}

/**
 * Connects the vault's owner to the EHR through the real sign-in (oidc-provider approves as the
 * patient would), accepting that the portal's patient has another name. Returns the connection id.
 */
export async function connectTo(
  service: VaultService,
  ehr: SyncEhr,
  label = 'Example Hospital',
): Promise<number> {
  writeFileSync(
    join(dirname(service.options.vaultPath), 'smart-clients.json'),
    JSON.stringify({ endpoints: { [ehr.fhir.base]: { clientId: 'phr-vault-test' } } }),
  );
  const result = await call(service, 'connections.connect', {
    fhirBase: ehr.fhir.base,
    personId: 1,
    label,
    acceptMismatch: true,
  });
  if (result.outcome !== 'connected') throw new Error(`not connected: ${result.outcome}`);
  return result.connection.id;
}

/** Resolves once a running sync has reported at least `pages` pages stored. */
export function pagesStored(events: { event: string; payload: unknown }[], pages: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      if (
        events.some((e) => e.event === 'sync.progress' && (e.payload as { pages: number }).pages >= pages)
      ) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
}

/**
 * Vaults and EHRs a test file opens, closed when the file is done. Call once at the top of a
 * file; push what each test opens.
 */
export function closedAfterAll(): { service: VaultService; ehr: SyncEhr }[] {
  const opened: { service: VaultService; ehr: SyncEhr }[] = [];
  afterAll(async () => {
    for (const { service, ehr } of opened) {
      service.close();
      await ehr.close();
    }
  });
  return opened;
}
