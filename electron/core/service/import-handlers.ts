import type { FilePreview, importChannels } from '../../../shared/ipc/areas/imports.js';
import { FhirDate } from '../../../shared/domain.js';
import { isVaultError, VaultError } from '../errors.js';
import { ChosenFiles } from '../exchange/chosen-files.js';
import { lookAtFile } from '../exchange/file-preview.js';
import { importFile } from '../exchange/import-files.js';
import { compareIdentity, patientIdentity, type PatientIdentity } from '../smart/patient-match.js';
import { ensureIntact } from '../vault/database.js';
import { addPerson, getPerson } from '../vault/persons.js';
import type { HandlersFor, ServiceContext } from './context.js';

/** Progress is told at most this often: a bar needs no more, and each event crosses two threads. */
const PROGRESS_EVERY_MS = 100;

/**
 * The window's import: the shell hands over the paths the person chose, the core answers a token
 * for each; a preview says what each file is and whose, storing nothing; then each file the person
 * keeps is read from disk (any size) and stored, for the person or for a new one made from the
 * file's patient, telling how far it has read.
 */
export function importHandlers(ctx: ServiceContext): HandlersFor<keyof typeof importChannels> {
  const db = () => ctx.vault.db;
  const chosen = new ChosenFiles();
  ctx.onLocked(() => chosen.forget());

  const look = async (token: string) => {
    const file = chosen.get(token);
    const { vaultKeyCache } = await import('../exchange/health-cards/store-health-card.js');
    const seen = await lookAtFile(file.path, { online: true, keyCache: vaultKeyCache(db()) });
    file.patients = seen.patients;
    return { file, seen };
  };

  return {
    'imports.useFiles': (req) => ({ files: chosen.add(req.paths) }),

    'imports.preview': async (req) => {
      const person = getPerson(db(), req.personId);
      const previews: FilePreview[] = [];
      for (const token of req.tokens) {
        const { name, bytes } = chosen.get(token);
        try {
          const { seen } = await look(token);
          const patients = seen.patients.map(patientIdentity);
          const differs = patients.some((p) => !compareIdentity(person, p).matches);
          previews.push({
            outcome: 'ready',
            token,
            name,
            bytes,
            format: seen.format,
            about: seen.about,
            verification: seen.verification,
            patients,
            whose: patients.length === 0 ? 'unknown' : differs ? 'differs' : 'match',
          });
        } catch (error) {
          // A file that cannot be read is said as such; the others are still previewed.
          if (!isVaultError(error, 'bad-input')) throw error;
          previews.push({ outcome: 'refused', token, name, bytes, message: error.message });
        }
      }
      return previews;
    },

    'imports.run': async (req) => {
      ensureIntact(db());
      getPerson(db(), req.personId);
      const file = chosen.get(req.token);
      let newPerson: PatientIdentity | null = null;
      if (req.as === 'new-person') {
        const patients = (file.patients ?? (await look(req.token)).seen.patients).map(patientIdentity);
        if (patients.length !== 1)
          throw new VaultError(
            'bad-input',
            `${file.name} does not name one patient, so no person can be made from it.`,
          );
        newPerson = patients[0]!;
      }
      let madeId: number | null = null;
      const personId = newPerson
        ? () => {
            const birthDate = newPerson.birthDate?.slice(0, 10);
            madeId ??= addPerson(db(), {
              name: newPerson.name,
              ...(birthDate && FhirDate.safeParse(birthDate).success ? { birthDate } : {}),
              relationship: 'other',
            }).id;
            return madeId;
          }
        : req.personId;

      const total = file.bytes;
      let toldAt = 0;
      const tell = (bytesRead: number, force = false) => {
        const now = Date.now();
        if (!force && now - toldAt < PROGRESS_EVERY_MS) return;
        toldAt = now;
        ctx.emit('imports.progress', {
          token: req.token,
          bytesRead: Math.min(bytesRead, total),
          bytesTotal: total,
        });
      };
      tell(0, true);
      const report = await importFile(db(), file.path, {
        personId,
        onBytesRead: (read) => tell(read),
      });
      tell(total, true);
      // Not left out: no acceptPatients was given, the person having said whose it is.
      if (!report) throw new VaultError('internal');
      ctx.emit('connections.changed', { connectionId: report.connectionId });
      const filedUnder = madeId ?? req.personId;
      // An open view of the person looks again at what it shows, as after a sync.
      if (report.added + report.updated > 0) {
        ctx.emit('records.changed', {
          personId: filedUnder,
          cause: 'import',
          added: report.added,
          updated: report.updated,
          removed: 0,
          categories: [],
          ongoing: false,
        });
      }
      return {
        token: req.token,
        personId: filedUnder,
        newPerson: madeId === null ? null : getPerson(db(), madeId).name,
        connectionId: report.connectionId,
        format: report.format,
        about: report.about,
        fhirVersion: report.fhirVersion,
        added: report.added,
        updated: report.updated,
        unchanged: report.unchanged,
        problems: report.problems.slice(0, 20),
        problemCount: report.problems.length,
      };
    },
  };
}
