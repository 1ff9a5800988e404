import type { Attachment } from 'svelte/attachments';

/*
 * The virtual list places rows by script, through the CSSOM: the CSP (style-src 'self') blocks
 * style="" attributes in markup, but not element.style set from code.
 */
export function atOffset(y: number): Attachment<HTMLElement> {
  return (element) => {
    element.style.transform = `translateY(${y}px)`;
  };
}

export function withHeight(px: number): Attachment<HTMLElement> {
  return (element) => {
    element.style.height = `${px}px`;
  };
}
