import { createHash } from 'node:crypto';

/**
 * How a record is found among its connection's: the first 64 bits of SHA-256 over its type and
 * id, as a signed integer (SQLite's). See migration 6 for why a hash rather than the id itself.
 */
export function sourceKey(resourceType: string, serverId: string): bigint {
  return createHash('sha256').update(`${resourceType}/${serverId}`).digest().readBigInt64BE(0);
}
