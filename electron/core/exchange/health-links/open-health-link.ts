import { VaultError } from '../../errors.js';
import { isObject, type Json } from '../../records/fhir-values.js';
import type { VaultDatabase } from '../../vault/database.js';
import { readFhirFile, type FhirFile } from '../fhir-files.js';
import { importFhirFiles, personOf, type ImportOptions } from '../import-fhir.js';
import { readHealthCardFile, type ReadCard } from '../health-cards/read-health-card.js';
import { storeHealthCards, vaultKeyCache } from '../health-cards/store-health-card.js';
import { decryptLinkFile, MAX_DECRYPTED_BYTES } from './link-files.js';
import { readHealthLink, type HealthLink } from './link-payload.js';
import {
  fetchLinkFile,
  fetchManifest,
  LINK_TIMEOUT_MS,
  MAX_ANSWER_BYTES,
  type LinkLimits,
} from './link-server.js';

/**
 * Opens a SMART Health Link and imports what it shares: the manifest asked for (with the passcode
 * when the link has one), every file fetched and decrypted, then each handed to the importer of
 * its kind: health cards to the card reader (verified like any card), FHIR JSON to the FHIR
 * import. Everything is fetched, decrypted and read before anything is stored, so a link refused
 * for any reason (expired, wrong passcode, a server that is slow, strange or points elsewhere, a
 * damaged or oversized file) leaves the vault as it was.
 */

export const DEFAULT_RECIPIENT = 'PHR Vault';

export type OpenLinkOptions = ImportOptions & {
  passcode?: string;
  /** Who is opening the link, as its sender sees it (the standard asks every receiver to say). */
  recipient?: string;
  limits?: LinkLimits & { maxDecryptedBytes?: number };
  now?: Date;
};

/** What became of one file the link shared. */
export type LinkFileResult = {
  contentType: string;
  format: 'fhir' | 'ips' | 'smart-health-card' | null;
  about: string;
  added: number;
  updated: number;
  unchanged: number;
  verification: { status: string; issuer: string | null; reason: string | null } | null;
  /** Why the file was left out (a kind PHR Vault does not read); null when it was imported. */
  skipped: string | null;
};

export type OpenedLink = {
  label: string | null;
  files: LinkFileResult[];
  /** The sources its records went to. */
  connectionIds: number[];
};

const CARD = 'application/smart-health-card';
const FHIR = 'application/fhir+json';
const API_ACCESS = 'application/smart-api-access';

type ReadFile =
  | { kind: 'card'; contentType: string; cards: ReadCard[] }
  | { kind: 'fhir'; contentType: string; file: FhirFile; patients: Json[] }
  | { kind: 'skipped'; contentType: string; why: string };

const day = (d: Date) =>
  d.toLocaleDateString('en-US', { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' });

/** Reads the link and checks what can be checked before anything is asked of its server. */
export function checkedLink(text: string, passcode: string | undefined, now: Date): HealthLink {
  const link = readHealthLink(text);
  if (link.expiresAt && link.expiresAt.getTime() <= now.getTime())
    throw new VaultError(
      'link-expired',
      `${link.label ? `“${link.label}”` : 'It'} stopped working on ${day(link.expiresAt)}.`,
    );
  if (link.flags.has('P') && (passcode === undefined || passcode === ''))
    throw new VaultError('link-passcode-needed');
  return link;
}

/**
 * Opens the link and stores its records for one person. Returns null when `acceptPatients` left
 * it out (its patients are asked about once, for every file together).
 */
export async function openHealthLink(
  db: VaultDatabase,
  text: string,
  options: OpenLinkOptions,
): Promise<OpenedLink | null> {
  const now = options.now ?? new Date();
  const passcode = options.passcode === '' ? undefined : options.passcode;
  const link = checkedLink(text, passcode, now);
  const limits = options.limits ?? {};
  const signal = AbortSignal.timeout(limits.timeoutMs ?? LINK_TIMEOUT_MS);
  const recipient = (options.recipient ?? DEFAULT_RECIPIENT).slice(0, 200);
  const request = { recipient, signal, limits, ...(passcode === undefined ? {} : { passcode }) };

  // What all the link's files may come to together, as sent and as unpacked: a hundred files of
  // the largest size each would otherwise add up to gigabytes.
  const maxAnswer = limits.maxAnswerBytes ?? MAX_ANSWER_BYTES;
  let sent = 0;
  const within = (used: number): LinkLimits => ({
    ...limits,
    maxAnswerBytes: Math.max(1, Math.min(maxAnswer, 2 * maxAnswer - used)),
  });
  // The encrypted files: a U link's one file, or each file the manifest lists.
  const encrypted: { contentType: string | null; jwe: string }[] = [];
  if (link.flags.has('U')) {
    encrypted.push({ contentType: null, jwe: await fetchLinkFile(link.url, request) });
  } else {
    for (const entry of await fetchManifest(link, request)) {
      const jwe =
        entry.embedded !== undefined
          ? entry.embedded.trim()
          : entry.location !== undefined
            ? await fetchLinkFile(entry.location, { ...request, limits: within(sent) })
            : null;
      if (jwe === null)
        throw new VaultError('link-bad-answer', 'The link’s list of files names a file without its content.');
      sent += jwe.length;
      encrypted.push({ contentType: entry.contentType, jwe });
    }
  }
  if (encrypted.length === 0) throw new VaultError('link-bad-answer', 'The link shares no files.');

  const read: ReadFile[] = [];
  let unpacked = 0;
  for (const [index, { contentType, jwe }] of encrypted.entries()) {
    const maxDecrypted = limits.maxDecryptedBytes ?? MAX_DECRYPTED_BYTES;
    const file = await decryptLinkFile(jwe, link.key, Math.max(1, Math.floor(maxDecrypted - unpacked)));
    unpacked += file.bytes.length;
    const type = (contentType ?? file.contentType ?? sniffed(file.bytes)).toLowerCase();
    read.push(
      await readLinkFile(db, type, file.bytes, `${link.label ?? 'health link'} file ${index + 1}`, options),
    );
  }
  if (!read.some((r) => r.kind !== 'skipped'))
    throw new VaultError('link-bad-answer', 'The link holds no records PHR Vault reads.');

  const patients = read.flatMap((r) =>
    r.kind === 'fhir' ? r.patients : r.kind === 'card' ? r.cards.flatMap((c) => patientsIn(c.bundle)) : [],
  );
  if (options.acceptPatients && !options.acceptPatients(patients)) return null;

  const results: LinkFileResult[] = [];
  const connectionIds = new Set<number>();
  const cards = read.flatMap((r) => (r.kind === 'card' ? r.cards : []));
  const stored = cards.length > 0 ? storeHealthCards(db, personOf(options), cards) : [];
  const fhirFiles = read.flatMap((r) => (r.kind === 'fhir' ? [r.file] : []));
  const fhirReports =
    fhirFiles.length > 0
      ? await importFhirFiles(db, fhirFiles, {
          ...options,
          acceptPatients: undefined,
          sourceLabel: options.sourceLabel ?? (link.label ? `Health link: ${link.label}` : 'Health link'),
        })
      : [];
  let nextCard = 0;
  let nextFhir = 0;
  for (const r of read) {
    if (r.kind === 'skipped') {
      results.push({ ...NOTHING, contentType: r.contentType, about: r.why, skipped: r.why });
    } else if (r.kind === 'card') {
      const mine = stored.slice(nextCard, nextCard + r.cards.length);
      nextCard += r.cards.length;
      for (const s of mine) connectionIds.add(s.connectionId);
      const worst = [...r.cards]
        .map((c) => c.verification)
        .sort((a, b) => TRUST_ORDER.indexOf(a.status) - TRUST_ORDER.indexOf(b.status))[0]!;
      results.push({
        contentType: r.contentType,
        format: 'smart-health-card',
        about:
          worst.status === 'verified'
            ? `SMART Health Card, verified: issued by ${worst.issuer}`
            : `SMART Health Card, not verified: ${worst.reason}`,
        added: mine.reduce((n, s) => n + s.added, 0),
        updated: mine.reduce((n, s) => n + s.updated, 0),
        unchanged: mine.reduce((n, s) => n + s.unchanged, 0),
        verification: { status: worst.status, issuer: worst.issuer, reason: worst.reason },
        skipped: null,
      });
    } else {
      const report = fhirReports[nextFhir++]!;
      connectionIds.add(report.connectionId);
      const total = report.added + report.updated + report.unchanged;
      results.push({
        contentType: r.contentType,
        format: report.document ? 'ips' : 'fhir',
        about: `${report.document ? 'FHIR document' : 'FHIR'} ${report.fhirVersion} file, ${total} ${total === 1 ? 'record' : 'records'}`,
        added: report.added,
        updated: report.updated,
        unchanged: report.unchanged,
        verification: null,
        skipped: null,
      });
    }
  }
  return { label: link.label, files: results, connectionIds: [...connectionIds] };
}

const NOTHING = { format: null, added: 0, updated: 0, unchanged: 0, verification: null } as const;
const TRUST_ORDER = ['invalid', 'revoked', 'unknown-issuer', 'verified'];

/** A decrypted file read through (not stored): a damaged one refuses the whole link. */
async function readLinkFile(
  db: VaultDatabase,
  contentType: string,
  bytes: Buffer,
  name: string,
  options: OpenLinkOptions,
): Promise<ReadFile> {
  if (contentType === CARD) {
    const { cards } = await readHealthCardFile(bytes, {
      online: options.offline !== true,
      keyCache: vaultKeyCache(db),
    }).catch((error: unknown) => {
      throw new VaultError(
        'link-bad-answer',
        `A health card the link shares could not be read: ${reason(error)}`,
      );
    });
    if (cards.length === 0)
      throw new VaultError('link-bad-answer', 'A health card the link shares is only part of a card.');
    return { kind: 'card', contentType, cards };
  }
  if (contentType === FHIR) {
    const file = { name: `${name}.json`, bytes };
    const patients: Json[] = [];
    try {
      for await (const record of readFhirFile(file, []))
        if (record.resource.resourceType === 'Patient') patients.push(record.resource);
    } catch (error) {
      throw new VaultError(
        'link-bad-answer',
        `A FHIR file the link shares could not be read: ${reason(error)}`,
      );
    }
    return { kind: 'fhir', contentType, file, patients };
  }
  if (contentType === API_ACCESS)
    return {
      kind: 'skipped',
      contentType,
      why: 'Ongoing access to a health system’s records, which PHR Vault does not open from a link yet.',
    };
  return {
    kind: 'skipped',
    contentType: contentType || 'unknown',
    why: 'A kind of file PHR Vault does not read.',
  };
}

/**
 * A U link's file says its type only in its header's `cty`, which some sharing apps leave out
 * (the validation SDK's example among them): its content tells a card from FHIR then.
 */
function sniffed(bytes: Buffer): string {
  const head = bytes.subarray(0, 4096).toString('utf8');
  if (/^\s*\{[\s\S]*"verifiableCredential"\s*:/.test(head)) return CARD;
  if (/^\s*\{[\s\S]*"resourceType"\s*:/.test(head)) return FHIR;
  return '';
}

function reason(error: unknown): string {
  return error instanceof VaultError && error.detail ? error.detail : 'it is damaged.';
}

function patientsIn(bundle: Json): Json[] {
  const entries = Array.isArray(bundle.entry) ? bundle.entry : [];
  return entries
    .map((e) => (isObject(e) && isObject(e.resource) ? e.resource : null))
    .filter((r): r is Json => r !== null && r.resourceType === 'Patient');
}
