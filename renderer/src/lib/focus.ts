import type { Attachment } from 'svelte/attachments';

/**
 * Moves focus into a screen when it appears: to its first field, or to its heading so a screen
 * reader announces where the person now is. Svelte flags the `autofocus` attribute, and it only
 * works on page load anyway.
 */
export const focusOnMount: Attachment<HTMLElement> = (element) => {
  element.focus();
};
