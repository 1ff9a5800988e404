import type { IssueGroup } from './left-out-words.js';
import type { Category } from '../../../../shared/domain.js';

export const exportFormats = ['ccda', 'fhir', 'ips', 'pdf'] as const;
export type ExportFormat = (typeof exportFormats)[number];

/** Which of a person's records go to the new provider. */
export type ExportSelection = {
  personId: number;
  /** A FHIR date or an ISO instant; records on or after it. */
  from?: string | undefined;
  /** A FHIR date or an ISO instant; records up to the end of the day, month or year it names. */
  to?: string | undefined;
  categories?: readonly Category[] | undefined;
  /** Records the patient marked as wrong go too (they are left out unless asked for). */
  includeMarkedWrong?: boolean | undefined;
};

/**
 * A record that did not make it into the document as it is, with the reason in words a patient
 * understands. `kind: 'left-out'` means it is absent from the document; `'incomplete'` means it is
 * there but something about it (a date, a standard code) could not be said.
 */
export type ExportIssue = {
  recordId: number;
  resourceType: string;
  title: string;
  kind: 'left-out' | 'incomplete';
  reason: string;
  /** What the records left out for the same cause have in common, where `reason` is one record's. */
  group?: string;
};

export type SectionCount = { key: string; title: string; entries: number };

export type ExportProgress = { stage: 'reading' | 'writing' | 'done'; done: number; total: number };

export type ExportOutcome = {
  format: ExportFormat;
  mediaType: string;
  fileName: string;
  bytes: Buffer;
  records: number;
  sections: SectionCount[];
  issues: ExportIssue[];
  /** The issues grouped, in the patient's words (left-out-words.ts). */
  groups: IssueGroup[];
};

export type ExportPreview = Omit<ExportOutcome, 'bytes' | 'mediaType' | 'fileName'>;
