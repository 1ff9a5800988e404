import type { z } from 'zod';
import type { ErrorKind } from '../errors.js';
import type { Audience } from './areas/common.js';
import { backupChannels, backupEvents } from './areas/backups.js';
import { exportChannels, exportEvents } from './areas/export.js';
import { filesChannels, type FilesChannel } from './areas/files.js';
import { healthLinkChannels } from './areas/health-links.js';
import { insightChannels, insightEvents } from './areas/insights.js';
import { connectionChannels, connectionEvents } from './areas/connections.js';
import { importChannels, importEvents } from './areas/imports.js';
import { peopleChannels, peopleEvents } from './areas/people.js';
import { noteChannels, noteEvents } from './areas/notes.js';
import { recordChannels, recordEvents } from './areas/records.js';
import { settingsChannels } from './areas/settings.js';
import { syncChannels, syncEvents } from './areas/sync.js';
import { vaultChannels, vaultEvents } from './areas/vault.js';

/**
 * The one IPC contract. Every channel the core answers is a key here with the schema of its
 * request and of its response, and whom it is for: the page's channels, and those an area marks
 * `shellOnly` (common.ts), which only the shell may call. Preload, the main-process bridge, the
 * test host and the renderer client are all derived from this object, so no channel name is
 * written anywhere else. Each area of the app keeps its channels in its own file under areas/.
 */
export const contract = {
  ...vaultChannels,
  ...peopleChannels,
  ...connectionChannels,
  ...recordChannels,
  ...exportChannels,
  ...insightChannels,
  ...syncChannels,
  ...filesChannels,
  ...backupChannels,
  ...settingsChannels,
  ...importChannels,
  ...healthLinkChannels,
  ...noteChannels,
} as const;

/** Pushed from the core to every window; part of the contract like the channels. */
export const events = {
  ...vaultEvents,
  ...peopleEvents,
  ...connectionEvents,
  ...recordEvents,
  ...exportEvents,
  ...insightEvents,
  ...syncEvents,
  ...backupEvents,
  ...importEvents,
  ...noteEvents,
} as const;

type Declared = typeof contract;
type AnyChannel = keyof Declared;

/** A channel only the shell may call (marked `shellOnly` in its area). */
export type ShellChannel = {
  [C in AnyChannel]: Declared[C] extends { audience: 'shell' } ? C : never;
}[AnyChannel];
/** A channel the page may call. */
export type Channel = Exclude<AnyChannel, ShellChannel>;
/**
 * The channels the core answers: all but those the transport answers itself (files.*: saving
 * needs the shell's own dialog, or the test host's downloads folder).
 */
export type CoreChannel = Exclude<AnyChannel, FilesChannel>;
export type EventName = keyof typeof events;
export type RequestOf<C extends AnyChannel> = z.input<Declared[C]['request']>;
export type ParsedRequestOf<C extends AnyChannel> = z.output<Declared[C]['request']>;
export type ResponseOf<C extends AnyChannel> = z.output<Declared[C]['response']>;
export type EventOf<E extends EventName> = z.output<(typeof events)[E]>;

export type Failure = { kind: ErrorKind; message: string };
export type Result<T> = { ok: true; value: T } | { ok: false; error: Failure };

/** Whom a channel is for, or null when the contract has no such channel. */
export function audienceOf(channel: unknown): Audience | null {
  if (typeof channel !== 'string' || !Object.hasOwn(contract, channel)) return null;
  const spec = contract[channel as AnyChannel] as { audience?: Audience };
  return spec.audience ?? 'page';
}

/**
 * Whether a page may call it: the one check every transport from a page (preload, the IPC
 * bridge, the test host) makes, so a shell-only channel is refused the page everywhere alike.
 */
export function isChannel(value: unknown): value is Channel {
  return audienceOf(value) === 'page';
}

/** Whether the core answers it (the shell's channels included); for the core's dispatch only. */
export function isCoreContractChannel(value: unknown): value is AnyChannel {
  return audienceOf(value) !== null;
}

/** The channels a page may call, the only ones preload exposes and main registers. */
export const channels = (Object.keys(contract) as AnyChannel[]).filter(isChannel);
/** The channels only the shell may call. */
export const shellChannels = (Object.keys(contract) as AnyChannel[]).filter(
  (c): c is ShellChannel => audienceOf(c) === 'shell',
);
export const eventNames = Object.keys(events) as EventName[];

export { HIGHLIGHT_END, HIGHLIGHT_START } from '../vocabulary.js';

/**
 * The shape every transport gives the renderer: `window.vault` in Electron, the WebSocket client
 * in the browser host. Derived from the contract so the renderer cannot tell them apart.
 */
export interface VaultBridge {
  invoke<C extends Channel>(channel: C, request: RequestOf<C>): Promise<Result<ResponseOf<C>>>;
  /**
   * Files dropped onto the page, handed to the core by what only the transport can tell of them
   * (Electron: their paths; the test host: their names in its folder of files to import).
   */
  dropFiles(files: readonly File[]): Promise<Result<ResponseOf<'files.dropImportFiles'>>>;
  on<E extends EventName>(event: E, listener: (payload: EventOf<E>) => void): () => void;
}
