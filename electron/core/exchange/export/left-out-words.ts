import type { ExportIssue } from './export-request.js';

/**
 * What the check before saving says about records the document cannot hold, grouped the way a
 * patient reads it ("23 pharmacy fills: an older record format that has no exact equivalent in
 * the document") rather than one sentence per record.
 */
export type IssueGroup = {
  kind: ExportIssue['kind'];
  count: number;
  /** "23 pharmacy fills". */
  what: string;
  /** Why, in the patient's words. */
  why: string;
};

const KINDS: Record<string, [one: string, many: string]> = {
  MedicationDispense: ['pharmacy fill', 'pharmacy fills'],
  MedicationAdministration: ['dose given', 'doses given'],
  MedicationRequest: ['prescription', 'prescriptions'],
  MedicationOrder: ['prescription', 'prescriptions'],
  MedicationStatement: ['medicine taken', 'medicines taken'],
  Observation: ['result', 'results'],
  Condition: ['condition', 'conditions'],
  AllergyIntolerance: ['allergy', 'allergies'],
  Immunization: ['immunization', 'immunizations'],
  Procedure: ['procedure', 'procedures'],
  DiagnosticReport: ['report', 'reports'],
  DocumentReference: ['document', 'documents'],
  Encounter: ['visit', 'visits'],
  CarePlan: ['care plan', 'care plans'],
  Goal: ['goal', 'goals'],
  CareTeam: ['care team', 'care teams'],
  Device: ['device', 'devices'],
  Coverage: ['insurance record', 'insurance records'],
  ImagingStudy: ['imaging study', 'imaging studies'],
  ServiceRequest: ['order', 'orders'],
  ProcedureRequest: ['order', 'orders'],
};

export function recordKindWords(resourceType: string, count: number): string {
  const [one, many] = KINDS[resourceType] ?? ['other record', 'other records'];
  return `${count.toLocaleString('en-US')} ${count === 1 ? one : many}`;
}

/** Why an older record is left out, said once for all of them. */
export const OLDER_FORMAT = 'an older record format that has no exact equivalent in the document';

/** A reason written as a sentence ("It has no date.") read as a clause after a colon. */
function asClause(sentence: string): string {
  const clause = sentence.replace(/\.$/, '');
  return /^[A-Z][a-z]/.test(clause) ? clause.charAt(0).toLowerCase() + clause.slice(1) : clause;
}

export function issueGroups(issues: readonly ExportIssue[]): IssueGroup[] {
  const groups = new Map<string, { issue: ExportIssue; count: number }>();
  for (const issue of issues) {
    const why = issue.group ?? issue.reason;
    const key = `${issue.kind}\u0000${issue.resourceType}\u0000${why}`;
    const group = groups.get(key);
    if (group) group.count++;
    else groups.set(key, { issue, count: 1 });
  }
  return [...groups.values()]
    .map(({ issue, count }) => ({
      kind: issue.kind,
      count,
      what: recordKindWords(issue.resourceType, count),
      why: asClause(issue.group ?? issue.reason),
    }))
    .sort((a, b) => (a.kind === b.kind ? b.count - a.count : a.kind === 'left-out' ? -1 : 1));
}
