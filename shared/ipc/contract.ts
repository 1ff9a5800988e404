import type { z } from 'zod';
import type { ErrorKind } from '../errors.js';
import { backupChannels, backupEvents } from './areas/backups.js';
import { exportChannels, exportEvents } from './areas/export.js';
import { filesChannels, type FilesChannel } from './areas/files.js';
import { insightChannels, insightEvents } from './areas/insights.js';
import { connectionChannels, connectionEvents } from './areas/connections.js';
import { peopleChannels, peopleEvents } from './areas/people.js';
import { noteChannels, noteEvents } from './areas/notes.js';
import { recordChannels, recordEvents } from './areas/records.js';
import { syncChannels, syncEvents, syncShellChannels } from './areas/sync.js';
import { vaultChannels, vaultEvents } from './areas/vault.js';

/**
 * The one IPC contract. Every channel the page (the renderer) may call is a key here with the schema of its
 * request and of its response; preload, the main-process bridge, the test host and the renderer
 * client are all derived from this object, so no channel name is written anywhere else. Each area
 * of the app keeps its channels in its own file under areas/.
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
  ...noteChannels,
} as const;

/**
 * What only the shell may call on the core (what the machine is doing: online, just woken). Kept
 * apart so that preload, the IPC bridge and the test host, which serve `contract`, cannot even name
 * them; the core answers both.
 */
export const shellContract = {
  ...syncShellChannels,
} as const;

/** Every channel the core answers (files.* apart, see CoreChannel), for the core's own dispatch. */
export const coreContract = { ...contract, ...shellContract } as const;

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
  ...noteEvents,
} as const;

/** A channel the page may call. */
export type Channel = keyof typeof contract;
/** A channel only the shell may call. */
export type ShellChannel = keyof typeof shellContract;
/**
 * The channels the core answers: the shell's, and the page's but those the transport answers
 * itself (files.*: saving needs the shell's own dialog, or the test host's downloads folder).
 */
export type CoreChannel = Exclude<Channel, FilesChannel> | ShellChannel;
export type EventName = keyof typeof events;
type AnyChannel = Channel | ShellChannel;
export type RequestOf<C extends AnyChannel> = z.input<(typeof coreContract)[C]['request']>;
export type ParsedRequestOf<C extends AnyChannel> = z.output<(typeof coreContract)[C]['request']>;
export type ResponseOf<C extends AnyChannel> = z.output<(typeof coreContract)[C]['response']>;
export type EventOf<E extends EventName> = z.output<(typeof events)[E]>;

export type Failure = { kind: ErrorKind; message: string };
export type Result<T> = { ok: true; value: T } | { ok: false; error: Failure };

export const channels = Object.keys(contract) as Channel[];
export const eventNames = Object.keys(events) as EventName[];

/** Whether a page may call it: all a transport from a page (preload, the bridge, the host) accepts. */
export function isChannel(value: unknown): value is Channel {
  return typeof value === 'string' && Object.hasOwn(contract, value);
}

/** Whether the core answers it (the shell's channels included); for the core's dispatch only. */
export function isCoreContractChannel(value: unknown): value is AnyChannel {
  return typeof value === 'string' && Object.hasOwn(coreContract, value);
}

export { HIGHLIGHT_END, HIGHLIGHT_START } from '../vocabulary.js';

/**
 * The shape every transport gives the renderer: `window.vault` in Electron, the WebSocket client
 * in the browser host. Derived from the contract so the renderer cannot tell them apart.
 */
export interface VaultBridge {
  invoke<C extends Channel>(channel: C, request: RequestOf<C>): Promise<Result<ResponseOf<C>>>;
  on<E extends EventName>(event: E, listener: (payload: EventOf<E>) => void): () => void;
}
