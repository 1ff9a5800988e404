import type { healthLinkChannels } from '../../../shared/ipc/areas/health-links.js';
import { openHealthLink } from '../exchange/health-links/open-health-link.js';
import { compareIdentity, patientIdentity, type PatientIdentity } from '../smart/patient-match.js';
import { ensureIntact } from '../vault/database.js';
import { getPerson } from '../vault/persons.js';
import type { HandlersFor, ServiceContext } from './context.js';

/** A SMART Health Link pasted into the window: opened, and what it shares stored for one person. */
export function healthLinkHandlers(ctx: ServiceContext): HandlersFor<keyof typeof healthLinkChannels> {
  const db = () => ctx.vault.db;
  return {
    'healthLinks.open': async (req) => {
      ensureIntact(db());
      const person = getPerson(db(), req.personId);
      // As for a file: records about someone else are not filed under this person unless they say so.
      let otherPatients: PatientIdentity[] = [];
      const opened = await openHealthLink(db(), req.link, {
        personId: req.personId,
        ...(req.passcode === undefined ? {} : { passcode: req.passcode }),
        acceptPatients: req.anyPatient
          ? undefined
          : (patients) => {
              otherPatients = patients
                .map(patientIdentity)
                .filter((identity) => !compareIdentity(person, identity).matches);
              return otherPatients.length === 0;
            },
      });
      if (!opened) return { outcome: 'other-patient' as const, otherPatients };
      for (const connectionId of opened.connectionIds) ctx.emit('connections.changed', { connectionId });
      return {
        outcome: 'imported' as const,
        label: opened.label,
        files: opened.files.map(({ contentType, format, about, added, updated, unchanged, skipped }) => ({
          contentType,
          format,
          about,
          added,
          updated,
          unchanged,
          skipped,
        })),
      };
    },
  };
}
