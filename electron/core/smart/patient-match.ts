/**
 * Whether the patient a portal signed in as looks like the person the records are about to be
 * filed under. A caregiver with several relatives' logins must not pour a parent's records into a
 * child's timeline by mistake, so a difference is shown plainly and the user decides.
 */
export type PatientIdentity = { name: string; birthDate: string | null };
export type IdentityComparison = {
  signedInAs: PatientIdentity;
  person: PatientIdentity & { id: number };
  name: 'same' | 'different';
  birthDate: 'same' | 'different' | 'unknown';
  /** True when nothing known differs: the app may link without asking. */
  matches: boolean;
};

type HumanName = { text?: string; given?: string[]; family?: string; use?: string; prefix?: string[] };

export function patientIdentity(patient: unknown): PatientIdentity {
  const p = (patient ?? {}) as { name?: HumanName[]; birthDate?: string };
  const names = Array.isArray(p.name) ? p.name : [];
  const chosen = names.find((n) => n.use === 'official') ?? names.find((n) => n.use === 'usual') ?? names[0];
  const text =
    chosen?.text?.trim() ||
    [...(chosen?.given ?? []), chosen?.family ?? '']
      .filter((s) => typeof s === 'string' && s.trim())
      .join(' ');
  return { name: text || 'Unnamed patient', birthDate: typeof p.birthDate === 'string' ? p.birthDate : null };
}

const words = (name: string): string[] =>
  name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);

/** Same name when every word the user gave the person ("Sam Lee") is a word of the portal's name ("Sam J Lee"). */
export function compareIdentity(
  person: { id: number; name: string; birthDate: string | null },
  signedInAs: PatientIdentity,
): IdentityComparison {
  const theirs = new Set(words(signedInAs.name));
  const ours = words(person.name);
  const name = ours.length > 0 && ours.every((w) => theirs.has(w)) ? 'same' : 'different';
  const birthDate =
    !person.birthDate || !signedInAs.birthDate
      ? 'unknown'
      : person.birthDate.slice(0, 10) === signedInAs.birthDate.slice(0, 10)
        ? 'same'
        : 'different';
  return {
    signedInAs,
    person: { id: person.id, name: person.name, birthDate: person.birthDate },
    name,
    birthDate,
    matches: name === 'same' && birthDate !== 'different',
  };
}
