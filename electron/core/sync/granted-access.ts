/**
 * What a sign-in actually granted, read from the token response's `scope` (RFC 6749 §5.1: the
 * server names the scopes it granted when they differ from those asked for; without it, what was
 * asked was granted). Portals grant less than asked: Epic grants what the app's registration lists,
 * Oracle Health trims the request to its registration, and a patient may untick kinds of record or
 * refuse lasting access. Sync asks only for what was granted, and the connection says what was not.
 *
 * Hand-written: SMART's scope grammar (v1 `patient/Observation.read`, v2 `patient/Observation.rs`
 * with an optional `?category=` restriction) has no parser on npm that is kept up.
 */

export type GrantedAccess = {
  /** False when the token response named its scopes and they give no lasting access. */
  offline: boolean;
  /** Whether a type's records may be searched for (the Patient: read) with this sign-in. */
  allows(resourceType: string): boolean;
  /** Whether one record of a type may be read by id (what records point to, a document's Binary). */
  reads(resourceType: string): boolean;
  /**
   * For a type granted only for some categories (SMART v2 `patient/Observation.rs?category=…`),
   * those categories; null when the whole type is granted or none of it is.
   */
  categoriesOf(resourceType: string): string[] | null;
};

const EVERYTHING: GrantedAccess = {
  offline: true,
  allows: () => true,
  reads: () => true,
  categoriesOf: () => null,
};

/** `patient/Observation.rs?category=laboratory` → its parts; null for a scope that is not about records. */
function parseResourceScope(
  scope: string,
): { type: string; read: boolean; search: boolean; category: string | null } | null {
  const match = /^(patient|user)\/([A-Za-z]+|\*)\.([a-z*]+)(?:\?(.*))?$/.exec(scope);
  if (!match) return null;
  const [, , type, permission, query] = match;
  let read: boolean;
  let search: boolean;
  if (permission === 'read' || permission === '*') {
    read = search = true;
  } else if (/^c?r?u?d?s?$/.test(permission!)) {
    read = permission!.includes('r');
    search = permission!.includes('s');
  } else {
    return null;
  }
  let category: string | null = null;
  if (query) {
    const params = new URLSearchParams(query);
    const value = params.get('category');
    // A restriction other than category (code, status…) is not one sync can ask within: the type
    // is treated as not granted rather than searched in a way the server would refuse.
    if (value === null || [...params.keys()].some((key) => key !== 'category')) return null;
    category = value.includes('|') ? value.slice(value.lastIndexOf('|') + 1) : value;
  }
  return { type: type!, read, search, category };
}

/** The access a stored sign-in grants; every type when the server did not say. */
export function grantedAccess(tokenResponse: unknown): GrantedAccess {
  const scope = (tokenResponse as { scope?: unknown } | null | undefined)?.scope;
  if (typeof scope !== 'string' || scope.trim() === '') return EVERYTHING;
  const scopes = scope.trim().split(/\s+/);
  const whole = new Set<string>();
  const searchable = new Set<string>();
  const readable = new Set<string>();
  const categories = new Map<string, Set<string>>();
  for (const item of scopes) {
    const parsed = parseResourceScope(item);
    if (!parsed) continue;
    if (parsed.read) readable.add(parsed.type);
    if (!parsed.search) continue;
    if (parsed.category === null) {
      whole.add(parsed.type);
      searchable.add(parsed.type);
    } else {
      searchable.add(parsed.type);
      let set = categories.get(parsed.type);
      if (!set) categories.set(parsed.type, (set = new Set()));
      set.add(parsed.category);
    }
  }
  const has = (set: Set<string>, type: string) => set.has(type) || set.has('*');
  return {
    offline: scopes.includes('offline_access'),
    // The Patient is read by id, never searched: a read scope is enough for it.
    allows: (type) => (type === 'Patient' ? has(readable, type) : has(searchable, type)),
    reads: (type) => has(readable, type),
    categoriesOf: (type) => {
      if (has(whole, type)) return null;
      const granted = categories.get(type);
      return granted ? [...granted].sort() : null;
    },
  };
}
