import { z } from 'zod';
import {
  Category,
  ConnectionSummary,
  FhirDate,
  Person,
  Relationship,
  TimelineEntry,
  VaultStatus,
} from '../domain.js';
import type { ErrorKind } from '../errors.js';

/**
 * The one IPC contract. Every channel the renderer may call is a key here with the schema of its
 * request and of its response; preload, the main-process bridge, the test host and the renderer
 * client are all derived from this object, so no channel name is written anywhere else.
 */

const Passphrase = z.string().min(1).max(1024);
const Empty = z.object({}).strict();
const PersonId = z.number().int().positive();

export const contract = {
  'app.info': {
    request: Empty,
    response: z.object({ version: z.string(), transport: z.enum(['electron', 'host']) }),
  },

  'vault.status': { request: Empty, response: VaultStatus },
  'vault.create': {
    request: z
      .object({
        passphrase: Passphrase,
        ownerName: z.string().trim().min(1).max(200).optional(),
        ownerBirthDate: FhirDate.optional(),
      })
      .strict(),
    /** The recovery code is shown once, here, and never again. */
    response: z.object({ recoveryCode: z.string(), status: VaultStatus }),
  },
  'vault.unlock': { request: z.object({ passphrase: Passphrase }).strict(), response: VaultStatus },
  'vault.recover': {
    request: z.object({ recoveryCode: z.string().min(1).max(200), newPassphrase: Passphrase }).strict(),
    response: VaultStatus,
  },
  'vault.lock': { request: Empty, response: VaultStatus },
  'vault.changePassphrase': {
    request: z.object({ current: Passphrase, next: Passphrase }).strict(),
    response: VaultStatus,
  },

  'persons.list': { request: Empty, response: z.array(Person) },
  'persons.add': {
    request: z
      .object({
        name: z.string().trim().min(1).max(200),
        birthDate: FhirDate.optional(),
        relationship: Relationship.default('other'),
      })
      .strict(),
    response: Person,
  },

  'connections.list': {
    request: z.object({ personId: PersonId.optional() }).strict(),
    response: z.array(ConnectionSummary),
  },

  'records.stats': {
    request: z.object({ personId: PersonId.optional() }).strict(),
    response: z.object({
      total: z.number().int(),
      byType: z.record(z.string(), z.number().int()),
      byCategory: z.record(z.string(), z.number().int()),
    }),
  },
  'records.get': {
    request: z.object({ id: z.number().int().positive() }).strict(),
    response: z.object({
      entry: TimelineEntry,
      fhirVersion: z.string(),
      resource: z.unknown(),
      versions: z.number().int(),
      firstSeenAt: z.string(),
      updatedAt: z.string(),
    }),
  },

  'timeline.page': {
    request: z
      .object({
        personId: PersonId,
        limit: z.number().int().min(1).max(500).default(100),
        cursor: z.string().max(200).nullable().optional(),
        categories: z.array(Category).max(32).optional(),
        connectionIds: z.array(z.number().int()).max(200).optional(),
        from: z.iso.datetime({ offset: true }).or(FhirDate).optional(),
        to: z.iso.datetime({ offset: true }).or(FhirDate).optional(),
      })
      .strict(),
    response: z.object({ entries: z.array(TimelineEntry), nextCursor: z.string().nullable() }),
  },
  'timeline.search': {
    request: z
      .object({
        personId: PersonId,
        query: z.string().max(500),
        limit: z.number().int().min(1).max(500).default(50),
        categories: z.array(Category).max(32).optional(),
      })
      .strict(),
    response: z.object({
      entries: z.array(
        TimelineEntry.extend({
          /** The matching text, with each match between \u0002 and \u0003 so no HTML crosses IPC. */
          highlight: z.string(),
        }),
      ),
    }),
  },
} as const;

/** Pushed from the core to every window; part of the contract like the channels. */
export const events = {
  'vault.state': VaultStatus,
} as const;

export type Channel = keyof typeof contract;
export type EventName = keyof typeof events;
export type RequestOf<C extends Channel> = z.input<(typeof contract)[C]['request']>;
export type ParsedRequestOf<C extends Channel> = z.output<(typeof contract)[C]['request']>;
export type ResponseOf<C extends Channel> = z.output<(typeof contract)[C]['response']>;
export type EventOf<E extends EventName> = z.output<(typeof events)[E]>;

export type Failure = { kind: ErrorKind; message: string };
export type Result<T> = { ok: true; value: T } | { ok: false; error: Failure };

export const channels = Object.keys(contract) as Channel[];
export const eventNames = Object.keys(events) as EventName[];

export function isChannel(value: unknown): value is Channel {
  return typeof value === 'string' && Object.hasOwn(contract, value);
}

/** Marks highlighted spans in search results; control characters never appear in record text we show. */
export const HIGHLIGHT_START = '\u0002';
export const HIGHLIGHT_END = '\u0003';

/**
 * The shape every transport gives the renderer: `window.vault` in Electron, the WebSocket client
 * in the browser host. Derived from the contract so the renderer cannot tell them apart.
 */
export interface VaultBridge {
  invoke<C extends Channel>(channel: C, request: RequestOf<C>): Promise<Result<ResponseOf<C>>>;
  on<E extends EventName>(event: E, listener: (payload: EventOf<E>) => void): () => void;
}
