import type { noteChannels } from '../../../shared/ipc/areas/notes.js';
import { VaultError } from '../errors.js';
import { isObject, type Json } from '../records/fhir-values.js';
import { arrivalsEnded, storeArrivals } from '../records/ingest.js';
import { entryResource } from '../records/own-entries.js';
import { getPerson } from '../vault/persons.js';
import { annotateRecord } from '../vault/record-notes.js';
import { deleteOwnEntry, ownEntryRecord, ownEntrySource, recordExists } from '../vault/own-entries.js';
import type { HandlersFor, ServiceContext } from './context.js';

/**
 * The patient's own words: notes and marks beside any record, and the records they enter
 * themselves, stored through the one ingest like any source's, under "Entered by you".
 */
export function noteHandlers(ctx: ServiceContext): HandlersFor<keyof typeof noteChannels> {
  const db = () => ctx.vault.db;
  return {
    'records.annotate': (req) =>
      annotateRecord(db(), req.id, { note: req.note, markedWrong: req.markedWrong, hidden: req.hidden }),
    'entries.save': (req) => {
      const person = getPerson(db(), req.personId);
      let id: string | undefined;
      let connectionId: number;
      if (req.id !== undefined) {
        const own = ownEntryRecord(db(), req.id);
        if (!own) throw new VaultError(recordExists(db(), req.id) ? 'not-own-entry' : 'not-found');
        if (own.personId !== person.id) throw new VaultError('invalid-request');
        const stored: unknown = JSON.parse(own.raw);
        // An edit must stay the same kind of record: it replaces it, as a new version.
        if (!isObject(stored)) throw new VaultError('invalid-request');
        id = own.serverId;
        connectionId = own.connectionId;
        const resource = entryResource(req.entry, person.name, id);
        if (resource.resourceType !== stored.resourceType)
          throw new VaultError('bad-entry', 'An entry cannot change its kind; delete it and add a new one.');
        return store(resource, connectionId, person.id, req.id);
      }
      const resource = entryResource(req.entry, person.name);
      connectionId = ownEntrySource(db(), person.id);
      return store(resource, connectionId, person.id);
    },
    'entries.remove': (req) => {
      if (!ownEntryRecord(db(), req.id)) {
        throw new VaultError(recordExists(db(), req.id) ? 'not-own-entry' : 'not-found');
      }
      deleteOwnEntry(db(), req.id);
      return {};
    },
  };

  function store(resource: Json, connectionId: number, personId: number, knownId?: number): { id: number } {
    const tally = { added: 0, updated: 0, unchanged: 0 };
    storeArrivals(db(), personId, connectionId, [{ resource, fhirVersion: 'R4' }], tally);
    arrivalsEnded(db(), personId);
    if (knownId !== undefined) return { id: knownId };
    const id = db()
      .prepare('SELECT id FROM resources WHERE connection_id = ? AND resource_type = ? AND server_id = ?')
      .pluck()
      .get(connectionId, resource.resourceType, resource.id) as number | undefined;
    if (id === undefined) throw new VaultError('internal');
    return { id };
  }
}
