import type { Channel, EventName, Result } from './contract.js';

/**
 * Messages on the test host's WebSocket (and between the Electron main process and the core
 * worker). Requests carry an id so answers can come back in any order.
 */
export type WireRequest = { id: number; channel: Channel; request: unknown };
export type WireMessage = { id: number; result: Result<unknown> } | { event: EventName; payload: unknown };

/** The host's WebSocket path; the per-run token travels as `?token=` on it. */
export const HOST_SOCKET_PATH = '/ipc';
