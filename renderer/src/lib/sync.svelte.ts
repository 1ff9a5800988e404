import type {
  ConnectionSyncStatus,
  SyncLogEntry,
  SyncOutcome,
  SyncProgress,
  SyncSummary,
} from '../../../shared/ipc/areas/sync.js';
import { api, messageOf } from './api.js';

export type { ConnectionSyncStatus, SyncLogEntry, SyncProgress, SyncSummary };

/** A short message at the edge of the window after a sync; the card keeps the full story. */
export type Toast = { id: number; text: string; tone: 'news' | 'quiet' | 'problem' };

const TOAST_SECONDS = 8;
const LOG_LIMIT = 50;

/**
 * Sync as the window sees it: for each connection, where a running sync is, how the last one
 * went, its schedule and (when asked for) its log; and, for the whole window, what a finished
 * sync brought, said aloud to screen readers and shown as a toast wherever the person is. Made
 * fresh each time the vault opens (Home owns it), and emptied the moment the vault locks.
 */
export class Sync {
  #statuses = $state.raw<Record<number, ConnectionSyncStatus>>({});
  #progress = $state.raw<Record<number, SyncProgress>>({});
  #logs = $state.raw<Record<number, SyncLogEntry[]>>({});
  #problems = $state.raw<Record<number, string>>({});
  /** Connections whose "Sync now" was pressed and whose first progress has not come yet. */
  #starting = $state.raw<Record<number, true>>({});
  #announcement = $state('');
  #toasts = $state.raw<Toast[]>([]);
  #nextToast = 1;
  // Answers that left before a lock must not land after it.
  #generation = 0;
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- bookkeeping, never shown
  readonly #timers = new Set<ReturnType<typeof setTimeout>>();
  readonly #stop: (() => void)[] = [];

  constructor() {
    this.#stop.push(
      api.on('sync.progress', (progress) => this.#progressed(progress)),
      api.on('sync.finished', (summary) => this.#finished(summary)),
      api.on('vault.state', (status) => {
        if (status.state !== 'unlocked') this.reset();
      }),
    );
  }

  /** What the live region says: the last finished sync, in one sentence. */
  get announcement(): string {
    return this.#announcement;
  }
  get toasts(): Toast[] {
    return this.#toasts;
  }

  status(connectionId: number): ConnectionSyncStatus | null {
    return this.#statuses[connectionId] ?? null;
  }
  /** Where a running sync is, or null when none runs. */
  progress(connectionId: number): SyncProgress | null {
    const progress = this.#progress[connectionId] ?? this.#statuses[connectionId]?.running ?? null;
    return progress?.state === 'running' ? progress : null;
  }
  /** Every run under way, oldest connection first: for the window's header, whatever view is open. */
  get underWay(): SyncProgress[] {
    // A connection's run is in its latest progress event, or in the status read at load.
    return Object.keys({ ...this.#statuses, ...this.#progress })
      .map(Number)
      .sort((a, b) => a - b)
      .map((id) => this.progress(id))
      .filter((p): p is SyncProgress => p !== null);
  }
  running(connectionId: number): boolean {
    return this.progress(connectionId) !== null || this.#starting[connectionId] === true;
  }
  lastRun(connectionId: number): SyncSummary | null {
    return this.#statuses[connectionId]?.lastRun ?? null;
  }
  /** The log entries, newest first; null until asked for. */
  log(connectionId: number): SyncLogEntry[] | null {
    return this.#logs[connectionId] ?? null;
  }
  problem(connectionId: number): string | null {
    return this.#problems[connectionId] ?? null;
  }

  async load(): Promise<void> {
    const generation = this.#generation;
    try {
      const statuses = await api.call('sync.status', {});
      if (generation !== this.#generation) return;
      this.#statuses = Object.fromEntries(statuses.map((s) => [s.connectionId, s]));
    } catch {
      // Nothing to show yet is not worth a message: each card still offers "Sync now", and a
      // failure to start says why.
    }
  }

  async start(connectionId: number): Promise<void> {
    const generation = this.#generation;
    this.#setProblem(connectionId, null);
    this.#starting = { ...this.#starting, [connectionId]: true };
    try {
      const { started } = await api.call('sync.now', { connectionId });
      if (generation !== this.#generation) return;
      if (!started.includes(connectionId)) {
        this.#starting = without(this.#starting, connectionId);
        // Already running (started by the schedule a moment ago): its progress will show.
        await this.load();
      }
    } catch (failure) {
      if (generation !== this.#generation) return;
      this.#starting = without(this.#starting, connectionId);
      this.#setProblem(connectionId, messageOf(failure));
    }
  }

  async cancel(connectionId: number): Promise<void> {
    const generation = this.#generation;
    try {
      await api.call('sync.cancel', { connectionId });
    } catch (failure) {
      if (generation === this.#generation) this.#setProblem(connectionId, messageOf(failure));
    }
  }

  setSchedule(connectionId: number, intervalMinutes: number): Promise<void> {
    return this.#setting(connectionId, () => api.call('sync.setSchedule', { connectionId, intervalMinutes }));
  }

  setDocumentLimit(connectionId: number, maxBytes: number): Promise<void> {
    return this.#setting(connectionId, () => api.call('sync.setDocumentLimit', { connectionId, maxBytes }));
  }

  /** A setting changed: the core answers with the connection's status, or the problem is shown on it. */
  async #setting(connectionId: number, change: () => Promise<ConnectionSyncStatus>): Promise<void> {
    const generation = this.#generation;
    this.#setProblem(connectionId, null);
    try {
      const status = await change();
      if (generation === this.#generation) this.#statuses = { ...this.#statuses, [connectionId]: status };
    } catch (failure) {
      if (generation === this.#generation) this.#setProblem(connectionId, messageOf(failure));
    }
  }

  async loadLog(connectionId: number): Promise<void> {
    const generation = this.#generation;
    try {
      const entries = await api.call('sync.log', { connectionId, limit: LOG_LIMIT });
      if (generation === this.#generation) this.#logs = { ...this.#logs, [connectionId]: entries };
    } catch (failure) {
      if (generation === this.#generation) this.#setProblem(connectionId, messageOf(failure));
    }
  }

  dismiss(id: number): void {
    this.#toasts = this.#toasts.filter((t) => t.id !== id);
  }

  /** The vault locked: nothing of what a sync showed stays on screen or in memory. */
  reset(): void {
    this.#generation++;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#statuses = {};
    this.#progress = {};
    this.#logs = {};
    this.#problems = {};
    this.#starting = {};
    this.#announcement = '';
    this.#toasts = [];
  }

  dispose(): void {
    this.reset();
    for (const stop of this.#stop.splice(0)) stop();
  }

  #progressed(progress: SyncProgress): void {
    this.#starting = without(this.#starting, progress.connectionId);
    this.#progress = { ...this.#progress, [progress.connectionId]: progress };
  }

  #finished(summary: SyncSummary): void {
    const id = summary.connectionId;
    this.#starting = without(this.#starting, id);
    this.#progress = without(this.#progress, id);
    const known = this.#statuses[id];
    this.#statuses = {
      ...this.#statuses,
      [id]: {
        connectionId: id,
        intervalMinutes: known?.intervalMinutes ?? DEFAULT_INTERVAL_MINUTES,
        documentMaxBytes: known?.documentMaxBytes ?? DEFAULT_DOCUMENT_MAX_BYTES,
        nextRunAt: known?.nextRunAt ?? null,
        running: null,
        lastRun: summary,
      },
    };
    const text = finishedWords(summary);
    this.#announce(text);
    this.#toast(text, summary.whatIsNew ? 'news' : summary.outcome === 'failed' ? 'problem' : 'quiet');

    // The next run time moved; an open log has a new run in it. The views of its person hear of
    // its records from the core (records.changed).
    void this.load();
    if (this.#logs[id]) void this.loadLog(id);
  }

  #announce(text: string): void {
    // A live region only speaks when its text changes: two syncs ending with the same sentence
    // must both be heard, so it is emptied first and filled a moment later.
    this.#announcement = '';
    this.#later(() => (this.#announcement = text), 100);
  }

  #toast(text: string, tone: Toast['tone']): void {
    const id = this.#nextToast++;
    // Three at most: a "Sync all" over many connections must not bury the window.
    this.#toasts = [...this.#toasts, { id, text, tone }].slice(-3);
    this.#later(() => this.dismiss(id), TOAST_SECONDS * 1000);
  }

  #later(work: () => void, ms: number): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      work();
    }, ms);
    this.#timers.add(timer);
  }

  #setProblem(connectionId: number, problem: string | null): void {
    this.#problems =
      problem === null
        ? without(this.#problems, connectionId)
        : { ...this.#problems, [connectionId]: problem };
  }
}

function without<T>(map: Record<number, T>, key: number): Record<number, T> {
  if (!(key in map)) return map;
  const copy = { ...map };
  delete copy[key];
  return copy;
}

/** The one sentence said when a sync ends: what is new, or that nothing is, or what went wrong. */
export function finishedWords(summary: SyncSummary): string {
  const label = summary.label;
  switch (summary.outcome) {
    case 'cancelled':
      return `Sync with ${label} was cancelled.`;
    case 'failed':
      return summary.message
        ? `Sync with ${label} did not finish: ${summary.message}`
        : `Sync with ${label} did not finish.`;
    default: {
      const news = summary.whatIsNew ? `${summary.whatIsNew}.` : `${label}: up to date, nothing new.`;
      const missed = summary.failedTypes.length;
      if (summary.outcome === 'partial' && missed > 0)
        return `${news} ${missed === 1 ? 'One kind of record' : `${missed} kinds of record`} could not be brought in.`;
      return news;
    }
  }
}

export const outcomeWords: Record<SyncOutcome | 'running', string> = {
  ok: 'Finished',
  partial: 'Partly finished',
  failed: 'Did not finish',
  cancelled: 'Cancelled',
  running: 'Running',
};

/** The choices the schedule selector offers, in minutes; 0 is "only when I ask". */
/** A setting's choice: its value and how the selector words it. */
export type Choice = { value: number; words: string };

/** The choices, with the current value added when none of them is it (set some other way: shown, not lost). */
export function choicesWith(choices: Choice[], current: number, words: (value: number) => string): Choice[] {
  return choices.some((c) => c.value === current)
    ? choices
    : [...choices, { value: current, words: words(current) }];
}

export const scheduleChoices: Choice[] = [
  { value: 60, words: 'Every hour' },
  { value: 360, words: 'Every 6 hours' },
  { value: 720, words: 'Every 12 hours' },
  { value: 1440, words: 'Every day' },
  { value: 0, words: 'Only when I ask' },
];

export const DEFAULT_INTERVAL_MINUTES = 360;

/** Words for an interval the selector does not list (set by an older version, say). */
export function intervalWords(minutes: number): string {
  const known = scheduleChoices.find((c) => c.value === minutes);
  if (known) return known.words;
  if (minutes % 60 === 0) return `Every ${minutes / 60} hours`;
  return `Every ${minutes} minutes`;
}

const MB = 1024 * 1024;

/** How large a document's file to download; 20 MB is the default and all PHR Vault shows. */
export const documentLimitChoices: Choice[] = [
  { value: 20 * MB, words: 'Up to 20 MB' },
  { value: 5 * MB, words: 'Up to 5 MB' },
  { value: 1 * MB, words: 'Up to 1 MB' },
  { value: 0, words: 'List them, download none' },
];

export const DEFAULT_DOCUMENT_MAX_BYTES = 20 * MB;

/** Words for a bound the selector does not list (set another way, say). */
export function documentLimitWords(bytes: number): string {
  const known = documentLimitChoices.find((c) => c.value === bytes);
  if (known) return known.words;
  return `Up to ${Math.round((bytes / MB) * 10) / 10} MB`;
}

/**
 * What each kind of FHIR record is to a patient, for the progress bar and the log. The FHIR name
 * stays beside it (in brackets), since that is the word a portal's help desk will use.
 */
const resourceTypeWords: Record<string, string> = {
  Patient: 'Your details',
  Observation: 'Lab results and vitals',
  Condition: 'Conditions',
  AllergyIntolerance: 'Allergies',
  MedicationRequest: 'Medications',
  MedicationStatement: 'Medications you take',
  MedicationDispense: 'Medicines dispensed',
  MedicationAdministration: 'Medicines given',
  Medication: 'Medicine details',
  Immunization: 'Immunizations',
  Procedure: 'Procedures',
  DiagnosticReport: 'Reports',
  DocumentReference: 'Documents',
  Binary: 'Attachments',
  Encounter: 'Visits',
  CarePlan: 'Care plans',
  CareTeam: 'Care team',
  Goal: 'Goals',
  Device: 'Devices',
  Coverage: 'Insurance',
  ExplanationOfBenefit: 'Claims',
  Claim: 'Claims',
  ServiceRequest: 'Orders and referrals',
  FamilyMemberHistory: 'Family history',
  QuestionnaireResponse: 'Questionnaires',
  Practitioner: 'Doctors and nurses',
  PractitionerRole: 'Doctors’ roles',
  Organization: 'Hospitals and clinics',
  Location: 'Places',
  Provenance: 'Where records came from',
};

export function resourceTypeName(resourceType: string): string {
  const words = resourceTypeWords[resourceType];
  return words ? `${words} (${resourceType})` : resourceType;
}

const when = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const clock = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });

/** A moment on this computer's clock (unlike a record's date, it is not shown in UTC). */
export function syncTimeWords(iso: string): string {
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a throwaway for formatting
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : when.format(date);
}

/** Only the time of day, to the second (the lines of one run's log). */
export function clockWords(iso: string): string {
  // eslint-disable-next-line svelte/prefer-svelte-reactivity -- a throwaway for formatting
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : clock.format(date);
}

/** "3 of 12 kinds of record · 2 pages · 340 records so far". */
export function progressWords(progress: SyncProgress): string {
  const parts = [
    `${progress.pages} ${progress.pages === 1 ? 'page' : 'pages'}`,
    `${progress.records} ${progress.records === 1 ? 'record' : 'records'} so far`,
  ];
  if (progress.typesTotal > 0)
    parts.unshift(`${progress.typesDone} of ${progress.typesTotal} kinds of record`);
  return parts.join(' · ');
}

/** "12 added, 3 updated, 1 no longer at the source", or "nothing changed". */
export function countsWords(counts: { added: number; updated: number; gone?: number }): string {
  const parts = [
    counts.added > 0 && `${counts.added} added`,
    counts.updated > 0 && `${counts.updated} updated`,
    (counts.gone ?? 0) > 0 && `${counts.gone} no longer at the source`,
  ].filter(Boolean);
  return parts.length > 0 ? parts.join(', ') : 'nothing changed';
}
