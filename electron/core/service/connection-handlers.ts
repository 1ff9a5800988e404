import { randomBytes } from 'node:crypto';
import { dirname } from 'node:path';
import type { connectionChannels, ConnectResult } from '../../../shared/ipc/areas/connections.js';
import { isVaultError, VaultError } from '../errors.js';
import {
  describeRegistrations,
  loadClientRegistry,
  registrationFor,
  removeRegistration,
  saveRegistration,
  vendorOf,
} from '../smart/client-registration.js';
import { searchInstitutions } from '../smart/directory/institution-directory.js';
import { discoverServer } from '../smart/discovery.js';
import {
  linkSignedIn,
  signInAgain,
  signInToInstitution,
  type SignedInInstitution,
} from '../smart/institution-sign-in.js';
import { publicJwks } from '../smart/install-key.js';
import {
  deleteConnection,
  getConnectionDetail,
  listConnectionDetails,
  renameConnection,
} from '../vault/connections.js';
import type { HandlersFor, ServiceContext } from './context.js';
import { removedChange } from './record-handlers.js';

/** A sign-in waiting for the user to say whether it belongs to the chosen person. */
type Pending = {
  signedIn: SignedInInstitution;
  personId: number;
  label: string | undefined;
  timer: NodeJS.Timeout;
};
const PENDING_MS = 10 * 60_000;

export function connectionHandlers(ctx: ServiceContext): HandlersFor<keyof typeof connectionChannels> {
  const db = () => ctx.vault.db;
  const dataFolder = () => dirname(ctx.options.vaultPath);
  const clientsFile = ctx.options.smartClientsFile ?? null;
  const access = ctx.access;
  const pending = new Map<string, Pending>();
  // One browser sign-in at a time: two loopback listeners and two tabs would confuse anyone.
  let signingIn: AbortController | null = null;
  // Locking ends any sign-in under way and forgets tokens still waiting for the user's answer.
  ctx.onLocked(() => {
    signingIn?.abort();
    for (const waiting of pending.values()) clearTimeout(waiting.timer);
    pending.clear();
  });

  const registrations = () => {
    const { vendors, endpoints, environmentFile } = describeRegistrations(dataFolder(), clientsFile);
    return { vendors, endpoints, environmentFile };
  };

  const connected = (id: number) => {
    const connection = getConnectionDetail(db(), id);
    if (!connection) throw new VaultError('not-found');
    return connection;
  };

  async function withSignIn<T>(
    fhirBase: string,
    connectionId: number | null,
    work: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    if (signingIn) throw new VaultError('sign-in-busy');
    const controller = new AbortController();
    signingIn = controller;
    try {
      const result = await work(controller.signal);
      ctx.emit('connections.progress', { fhirBase, connectionId, step: 'connected' });
      return result;
    } catch (error) {
      ctx.emit('connections.progress', {
        fhirBase,
        connectionId,
        step: 'failed',
        message: error instanceof VaultError ? error.message : undefined,
      });
      throw error;
    } finally {
      signingIn = null;
    }
  }

  const ports = (fhirBase: string, connectionId: number | null, signal: AbortSignal) => ({
    openBrowser: ctx.options.openBrowser ?? (() => undefined),
    signal,
    dataFolder: dataFolder(),
    onStep: (
      step: 'discovering' | 'waiting-for-browser' | 'exchanging-code' | 'reading-patient',
      authorizeUrl?: string,
    ) =>
      ctx.emit('connections.progress', {
        fhirBase,
        connectionId,
        step,
        ...(authorizeUrl ? { authorizeUrl } : {}),
      }),
  });

  function link(
    signedIn: SignedInInstitution,
    personId: number | undefined,
    label: string | undefined,
    accept: boolean,
  ): ConnectResult {
    const linked = linkSignedIn(db(), signedIn, { personId, label, acceptMismatch: accept });
    if (linked.outcome === 'connected') {
      ctx.emit('connections.changed', { connectionId: linked.connectionId });
      ctx.sync.connected(linked.connectionId);
      return {
        outcome: 'connected',
        connection: connected(linked.connectionId),
        comparison: linked.comparison,
      };
    }
    const pendingId = randomBytes(16).toString('base64url');
    // Tokens wait in memory only, and not for long; nothing is written until the user chooses.
    const timer = setTimeout(() => pending.delete(pendingId), PENDING_MS);
    timer.unref();
    pending.set(pendingId, { signedIn, personId: linked.comparison.person.id, label, timer });
    return { outcome: 'confirm', pendingId, comparison: linked.comparison };
  }

  return {
    'institutions.search': (req) => {
      const found = searchInstitutions(req.query, req.limit);
      // Said with each result, so a missing registration shows before the browser opens. A
      // registrations file that cannot be read does not stop the search: its results say they
      // have no client id, and App registrations says what is wrong with the file.
      let registry: ReturnType<typeof loadClientRegistry>;
      try {
        registry = loadClientRegistry(dataFolder(), clientsFile);
      } catch (error) {
        if (!isVaultError(error, 'clients-file-unreadable')) throw error;
        registry = { vendors: {}, endpoints: {} };
      }
      return found.map((institution) => ({
        ...institution,
        hasClientId: !!registrationFor(registry, institution.fhirBase, institution.vendor),
      }));
    },
    'clients.list': () => registrations(),
    'clients.save': (req) => {
      saveRegistration(dataFolder(), req.target, { clientId: req.clientId, auth: req.auth });
      return registrations();
    },
    'clients.remove': (req) => {
      removeRegistration(dataFolder(), req.target);
      return registrations();
    },
    'connections.discover': async (req) => {
      const security = await discoverServer(req.fhirBase);
      const vendor = vendorOf(security.fhirBase, security.software);
      return {
        fhirBase: security.fhirBase,
        fhirVersion: security.fhirVersion,
        software: security.software,
        vendor,
        hasClientId: !!registrationFor(
          loadClientRegistry(dataFolder(), clientsFile),
          security.fhirBase,
          vendor,
        ),
        pkce: security.codeChallengeMethods.includes('S256'),
        discoveredFrom: security.source,
      };
    },
    'connections.connect': (req) =>
      withSignIn(req.fhirBase, null, async (signal) => {
        const signedIn = await signInToInstitution(
          db(),
          { fhirBase: req.fhirBase, dataFolder: dataFolder(), environmentFile: clientsFile },
          ports(req.fhirBase, null, signal),
        );
        return link(signedIn, req.personId, req.label, req.acceptMismatch);
      }),
    'connections.confirm': (req) => {
      const waiting = pending.get(req.pendingId);
      if (!waiting) throw new VaultError('not-found');
      pending.delete(req.pendingId);
      clearTimeout(waiting.timer);
      if (!req.link) return { outcome: 'discarded' };
      return link(waiting.signedIn, req.asNewPerson ? undefined : waiting.personId, waiting.label, true);
    },
    'connections.cancelSignIn': () => {
      const running = signingIn;
      running?.abort();
      return { cancelled: !!running };
    },
    'connections.list': (req) => listConnectionDetails(db(), req.personId),
    'connections.signInAgain': async (req) => {
      const before = connected(req.connectionId);
      if (before.kind !== 'smart' || !before.fhirBase) throw new VaultError('not-found');
      ctx.emit('connections.changed', { connectionId: req.connectionId });
      await withSignIn(before.fhirBase, req.connectionId, (signal) =>
        signInAgain(db, req.connectionId, ports(before.fhirBase!, req.connectionId, signal)),
      ).finally(() => ctx.emit('connections.changed', { connectionId: req.connectionId }));
      ctx.sync.connected(req.connectionId);
      return connected(req.connectionId);
    },
    'connections.rename': (req) => {
      renameConnection(db(), req.connectionId, req.label);
      ctx.emit('connections.changed', { connectionId: req.connectionId });
      ctx.sync.renamed(req.connectionId);
      return connected(req.connectionId);
    },
    'connections.disconnect': async (req) => {
      const connection = connected(req.connectionId);
      // A run under way would write records back, or use tokens being revoked.
      await ctx.sync.finish(req.connectionId);
      const revoked = connection.kind === 'smart' ? await access.revoke(req.connectionId) : false;
      const recordsDeleted = req.keepRecords ? 0 : deleteConnection(db(), req.connectionId);
      ctx.emit('connections.changed', { connectionId: req.connectionId });
      if (recordsDeleted > 0) ctx.emit('records.changed', removedChange(connection.personId, recordsDeleted));
      return { revoked, recordsDeleted };
    },
    'connections.publicKeys': async () => (await publicJwks(db())) as { keys: Record<string, unknown>[] },
  };
}
