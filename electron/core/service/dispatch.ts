import { ZodError } from 'zod';
import { userMessage } from '../../../shared/errors.js';
import { isFilesChannel } from '../../../shared/ipc/areas/files.js';
import {
  contract,
  isCoreContractChannel,
  type CoreChannel,
  type Result,
} from '../../../shared/ipc/contract.js';
import { isVaultError, VaultError } from '../errors.js';
import { isDamage } from '../vault/database.js';
import { WriterNeeded } from './read-handlers.js';

export type AnyHandlers = Partial<Record<CoreChannel, (request: never) => unknown>>;

/**
 * The single entry point of every transport and of the read worker: validates the request against
 * the contract, runs the handler and turns any failure into a typed envelope. Nothing raw crosses:
 * no stack, no SQL, no key; an unexpected error is logged by its class name only. A read handler
 * that needs the writer after all throws `WriterNeeded`, which its caller hands on.
 */
export async function dispatchTo(
  handlers: AnyHandlers,
  channel: unknown,
  request: unknown,
  noticeDamage: (error: unknown) => unknown = (error) => error,
): Promise<Result<unknown>> {
  try {
    // files.* belong to the transport; one reaching the core came from somewhere it should not.
    if (!isCoreContractChannel(channel) || isFilesChannel(channel)) throw new VaultError('invalid-request');
    const handler = handlers[channel] as ((req: unknown) => unknown) | undefined;
    if (!handler) throw new VaultError('invalid-request');
    const parsed: unknown = contract[channel].request.parse(request ?? {});
    return { ok: true, value: await handler(parsed) };
  } catch (error) {
    if (error instanceof WriterNeeded) throw error;
    return { ok: false, error: toFailure(noticeDamage(error)) };
  }
}

export function toFailure(error: unknown): { kind: VaultError['kind']; message: string } {
  if (isVaultError(error)) return { kind: error.kind, message: error.message };
  if (error instanceof ZodError) return { kind: 'invalid-request', message: userMessage('invalid-request') };
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'SQLITE_BUSY') return { kind: 'vault-busy', message: userMessage('vault-busy') };
  if (isDamage(error)) return { kind: 'vault-damaged', message: userMessage('vault-damaged') };
  // SQLite rolls the transaction back; what was committed before stays (synchronous=FULL).
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT')
    return { kind: 'disk-full', message: userMessage('disk-full') };
  if ((typeof code === 'string' && code.startsWith('SQLITE_IOERR')) || code === 'EFBIG' || code === 'EIO')
    return { kind: 'disk-failed', message: userMessage('disk-failed') };
  console.error(
    `phr-vault: unexpected ${error instanceof Error ? error.name : typeof error}${typeof code === 'string' ? ` (${code})` : ''}`,
  );
  return { kind: 'internal', message: userMessage('internal') };
}
