import { z } from 'zod';
import { ATTACHMENT_LIMIT_BYTES } from '../../attachments.js';
import { Empty, shellOnly } from './common.js';

/**
 * Sync: bringing a connected institution's records into the vault and keeping them current.
 * Runs happen in the core on a schedule, at unlock when one is due, after the machine wakes and
 * when the user asks; the renderer starts, cancels and watches them, and reads the sync log.
 */
const ConnectionId = z.number().int().positive();

export const SyncOutcome = z.enum(['ok', 'partial', 'failed', 'cancelled']);
export type SyncOutcome = z.infer<typeof SyncOutcome>;

/** Where a running sync is; sent as it moves, for a progress bar per connection. */
export const SyncProgress = z.object({
  connectionId: z.number().int(),
  label: z.string(),
  state: z.enum(['running', 'finished', 'failed', 'cancelled']),
  /** The resource type last worked on (a FHIR name such as "Observation"). */
  resourceType: z.string().nullable(),
  typesDone: z.number().int(),
  typesTotal: z.number().int(),
  pages: z.number().int(),
  records: z.number().int(),
  /** Set while waiting for a busy server, in the user's words ("The server asked to wait 30 s."). */
  message: z.string().nullable(),
});
export type SyncProgress = z.infer<typeof SyncProgress>;

export const FailedType = z.object({ resourceType: z.string(), message: z.string() });

/** What one run did; `whatIsNew` is the sentence the notification shows, null when nothing is new. */
export const SyncSummary = z.object({
  connectionId: z.number().int(),
  label: z.string(),
  outcome: SyncOutcome,
  startedAt: z.string(),
  finishedAt: z.string(),
  added: z.number().int(),
  updated: z.number().int(),
  /** Records a full pull no longer returned: marked "no longer at the source", kept. */
  gone: z.number().int(),
  failedTypes: z.array(FailedType),
  /** New records by timeline category (shared/vocabulary.ts). */
  newByCategory: z.record(z.string(), z.number().int()),
  whatIsNew: z.string().nullable(),
  message: z.string().nullable(),
});
export type SyncSummary = z.infer<typeof SyncSummary>;

export const SyncLogEntry = z.object({
  id: z.number().int(),
  /** The run this line belongs to: its own id on the run's line, the run's on its types' lines. */
  runId: z.number().int(),
  connectionId: z.number().int(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  /** Null for the run as a whole; a type's name for what happened to that type. */
  resourceType: z.string().nullable(),
  outcome: z.enum(['running', 'ok', 'partial', 'failed', 'cancelled']),
  message: z.string().nullable(),
  recordsAdded: z.number().int(),
  recordsUpdated: z.number().int(),
});
export type SyncLogEntry = z.infer<typeof SyncLogEntry>;

export const ConnectionSyncStatus = z.object({
  connectionId: z.number().int(),
  running: SyncProgress.nullable(),
  /** Minutes between scheduled runs; 0 means only when the user asks. */
  intervalMinutes: z.number().int(),
  /** The largest document file this connection downloads, in bytes; 0: files are listed, not downloaded. */
  documentMaxBytes: z.number().int(),
  nextRunAt: z.string().nullable(),
  lastRun: SyncSummary.nullable(),
});
export type ConnectionSyncStatus = z.infer<typeof ConnectionSyncStatus>;

export const syncChannels = {
  /** Starts a run now (every SMART connection when no id is given); answers at once. */
  'sync.now': {
    request: z.object({ connectionId: ConnectionId.optional() }).strict(),
    response: z.object({ started: z.array(z.number().int()) }),
  },
  'sync.cancel': {
    request: z.object({ connectionId: ConnectionId }).strict(),
    response: z.object({ cancelled: z.boolean() }),
  },
  'sync.status': { request: Empty, response: z.array(ConnectionSyncStatus) },
  'sync.log': {
    request: z
      .object({ connectionId: ConnectionId, limit: z.number().int().min(1).max(500).default(50) })
      .strict(),
    response: z.array(SyncLogEntry),
  },
  'sync.setSchedule': {
    request: z
      .object({
        connectionId: ConnectionId,
        intervalMinutes: z
          .number()
          .int()
          .min(0)
          .max(60 * 24 * 30),
      })
      .strict(),
    response: ConnectionSyncStatus,
  },
  /** How large a document's file the connection downloads; at most what PHR Vault can show. */
  'sync.setDocumentLimit': {
    request: z
      .object({ connectionId: ConnectionId, maxBytes: z.number().int().min(0).max(ATTACHMENT_LIMIT_BYTES) })
      .strict(),
    response: ConnectionSyncStatus,
  },
  /**
   * What the shell knows of the machine: online or not, and that it has just woken. The scheduler
   * runs nothing while offline and runs what is due after a wake. Only the shell calls it: a
   * page's word on the machine being offline would stop syncs silently.
   */
  'sync.machine': shellOnly({
    request: z.object({ online: z.boolean(), woke: z.boolean().default(false) }).strict(),
    response: Empty,
  }),
} as const;

export const syncEvents = {
  'sync.progress': SyncProgress,
  'sync.finished': SyncSummary,
} as const;
