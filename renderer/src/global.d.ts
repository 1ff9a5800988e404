import type { VaultBridge } from '../../shared/ipc/contract.js';

declare global {
  interface Window {
    /** Set by Electron's preload; absent in a plain browser talking to the test host. */
    readonly vault?: VaultBridge;
  }
}
