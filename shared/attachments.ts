import { z } from 'zod';

/**
 * A document made readable without ever sending markup to the renderer: the core turns a C-CDA's
 * narrative and an HTML attachment into this small tree, which Svelte renders element by element.
 * Nothing in it can run, style the page or load anything.
 */
export type DocumentBlock =
  | { type: 'heading'; text: string }
  | { type: 'paragraph'; text: string }
  | { type: 'list'; ordered: boolean; caption: string | null; items: DocumentBlock[][] }
  | { type: 'table'; caption: string | null; head: string[][]; body: string[][] };

export const DocumentBlock: z.ZodType<DocumentBlock> = z.lazy(() =>
  z.discriminatedUnion('type', [
    z.object({ type: z.literal('heading'), text: z.string() }),
    z.object({ type: z.literal('paragraph'), text: z.string() }),
    z.object({
      type: z.literal('list'),
      ordered: z.boolean(),
      caption: z.string().nullable(),
      items: z.array(z.array(DocumentBlock)),
    }),
    z.object({
      type: z.literal('table'),
      caption: z.string().nullable(),
      head: z.array(z.array(z.string())),
      body: z.array(z.array(z.string())),
    }),
  ]),
);

export const DocumentSection = z.object({
  title: z.string().nullable(),
  /** 1 for a top-level section, 2 for a section inside it, and so on. */
  depth: z.number().int().min(1),
  blocks: z.array(DocumentBlock),
});
export type DocumentSection = z.infer<typeof DocumentSection>;

export const ReadableDocument = z.object({
  title: z.string().nullable(),
  /** When the document was written, as a FHIR date or dateTime. */
  date: z.string().nullable(),
  /** Who it is about, who wrote it, where it came from: label and words. */
  facts: z.array(
    z.object({
      label: z.string(),
      value: z.string(),
      /** The value is a FHIR date or dateTime, for the renderer to put in words. */
      isDate: z.boolean().optional(),
    }),
  ),
  sections: z.array(DocumentSection),
});
export type ReadableDocument = z.infer<typeof ReadableDocument>;

/** The largest attachment that crosses IPC (and that sync stores). */
export const ATTACHMENT_LIMIT_BYTES = 20 * 1024 * 1024;

const AttachmentHead = {
  contentType: z.string(),
  title: z.string(),
  /** Bytes, when known. */
  size: z.number().int().nullable(),
};

/** One attachment of a record, in the form the renderer shows it. */
export const AttachmentContent = z.discriminatedUnion('kind', [
  z.object({ ...AttachmentHead, kind: z.literal('text'), text: z.string() }),
  /** An HTML attachment, parsed and reduced to the same tree in the core (html-document.ts). */
  z.object({
    ...AttachmentHead,
    kind: z.literal('html'),
    document: ReadableDocument,
    /** The page exactly as received, only for "Save a copy": the renderer never parses it. */
    sourceBase64: z.string(),
  }),
  z.object({
    ...AttachmentHead,
    kind: z.literal('ccda'),
    document: ReadableDocument,
    /** The XML exactly as received, only for "Save a copy": the renderer never parses it. */
    sourceBase64: z.string(),
  }),
  z.object({ ...AttachmentHead, kind: z.literal('pdf'), dataBase64: z.string() }),
  z.object({
    ...AttachmentHead,
    kind: z.literal('image'),
    /** Only types an <img> shows without running anything: never SVG. */
    mediaType: z.enum(['image/png', 'image/jpeg', 'image/gif', 'image/webp']),
    dataBase64: z.string(),
  }),
  z.object({ ...AttachmentHead, kind: z.literal('unavailable'), reason: z.string() }),
]);
export type AttachmentContent = z.infer<typeof AttachmentContent>;
export type AttachmentKind = AttachmentContent['kind'];
