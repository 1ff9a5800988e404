import { isObject } from '../../records/fhir-values.js';
import { VCI_SNAPSHOT_TIME, vciIssuers } from './vci-directory.generated.js';

/**
 * The issuers whose cards PHR Vault calls verified: the VCI directory's snapshot shipped with the
 * app (so verifying works offline), plus any the person adds from a directory file of their own
 * in the same format (an issuer outside VCI they trust).
 */

export type IssuerKey = Record<string, unknown> & { kid: string };
export type RevocationList = { kid: string; ctr: number; rids: string[] };
export type KnownIssuer = {
  iss: string;
  name: string;
  keys: IssuerKey[];
  crls: RevocationList[];
  /** Where PHR Vault knows the issuer from, as the person reads it. */
  knownFrom: string;
};

export type IssuerDirectory = ReadonlyMap<string, KnownIssuer>;

export const VCI_SNAPSHOT_DATE = VCI_SNAPSHOT_TIME.slice(0, 10);
const VCI_KNOWN_FROM = `the VCI directory of ${VCI_SNAPSHOT_DATE}`;

let bundled: Map<string, KnownIssuer> | undefined;

export function bundledDirectory(): IssuerDirectory {
  bundled ??= new Map(
    vciIssuers.map((i) => [
      i.iss,
      {
        iss: i.iss,
        name: i.name,
        keys: i.keys as IssuerKey[],
        crls: i.crls ?? [],
        knownFrom: VCI_KNOWN_FROM,
      },
    ]),
  );
  return bundled;
}

/**
 * Issuers from a directory file in the VCI snapshot's format (`issuerInfo: [{ issuer: { iss,
 * name }, keys, crls? }]`) or the VCI issuer list's (`participating_issuers: [{ iss, name }]`,
 * whose keys are then fetched from each issuer), joined to the bundled ones; theirs win.
 */
export function directoryWith(text: string, knownFrom: string): IssuerDirectory {
  const value: unknown = JSON.parse(text);
  const merged = new Map(bundledDirectory());
  const add = (iss: unknown, name: unknown, keys: unknown, crls: unknown) => {
    if (typeof iss !== 'string' || typeof name !== 'string') return;
    merged.set(iss, {
      iss,
      name,
      keys: Array.isArray(keys)
        ? keys.filter((k): k is IssuerKey => isObject(k) && typeof k.kid === 'string')
        : [],
      crls: Array.isArray(crls) ? (crls as RevocationList[]) : [],
      knownFrom,
    });
  };
  if (isObject(value) && Array.isArray(value.issuerInfo)) {
    for (const info of value.issuerInfo) {
      if (isObject(info) && isObject(info.issuer))
        add(info.issuer.iss, info.issuer.name, info.keys, info.crls);
    }
  } else if (isObject(value) && Array.isArray(value.participating_issuers)) {
    for (const i of value.participating_issuers) if (isObject(i)) add(i.iss, i.name, [], []);
  } else {
    throw new Error('not an issuer directory');
  }
  return merged;
}
