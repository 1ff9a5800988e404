import type { AttachmentContent } from '../../../shared/attachments.js';
import type { RecordAttachment } from '../../../shared/ipc/areas/records.js';
import { api, messageOf } from './api.js';

/** An attachment as the record names it (the core lists them with the record), before its content is asked for. */
export type AttachmentListing = RecordAttachment;

/** One attachment's content, asked of the core once; a later open drops an earlier answer. */
export class OpenAttachment {
  #content = $state.raw<AttachmentContent | null>(null);
  #problem = $state<string | null>(null);
  #request = 0;

  get content(): AttachmentContent | null {
    return this.#content;
  }
  get problem(): string | null {
    return this.#problem;
  }
  get loading(): boolean {
    return this.#content === null && this.#problem === null;
  }

  async load(recordId: number, index: number): Promise<void> {
    const request = ++this.#request;
    this.#content = null;
    this.#problem = null;
    try {
      const content = await api.call('records.attachment', { recordId, index });
      if (request === this.#request) this.#content = content;
    } catch (failure) {
      if (request === this.#request) this.#problem = messageOf(failure);
    }
  }
}

const EXTENSIONS: Record<string, string> = {
  'text/plain': 'txt',
  'text/html': 'html',
  'application/xhtml+xml': 'html',
  'application/xml': 'xml',
  'text/xml': 'xml',
  'application/pdf': 'pdf',
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
};

function textBase64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/**
 * Saves the attachment as received, through the same transport channel as exports: the shell asks
 * where with its own dialog, the renderer only suggests a name. Resolves with the name it was
 * saved under, or null when the person cancelled.
 */
export async function saveAttachmentCopy(content: AttachmentContent): Promise<string | null> {
  if (content.kind === 'unavailable') return null;
  const mimeType =
    content.kind === 'image'
      ? content.mediaType
      : content.kind === 'pdf'
        ? 'application/pdf'
        : content.kind === 'text'
          ? 'text/plain'
          : content.contentType.split(';')[0]!.trim() || 'application/octet-stream';
  const extension = EXTENSIONS[mimeType.toLowerCase()] ?? (content.kind === 'ccda' ? 'xml' : 'bin');
  const base = content.title.replace(/\.[a-z0-9]{1,5}$/i, '');
  const answer = await api.call('files.saveDocument', {
    suggestedName: `${base}.${extension}`,
    mimeType,
    contentBase64:
      content.kind === 'text'
        ? textBase64(content.text)
        : content.kind === 'pdf' || content.kind === 'image'
          ? content.dataBase64
          : content.sourceBase64,
  });
  return answer.saved ? answer.fileName : null;
}

/** Base64 from the core as bytes, for PDF.js and for a blob: image. */
export function base64Bytes(base64: string): Uint8Array<ArrayBuffer> {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Bytes in words: "12 KB", "3.4 MB". */
export function sizeWords(bytes: number | null): string | null {
  if (bytes === null) return null;
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
