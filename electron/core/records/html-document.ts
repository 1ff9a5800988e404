import { parse, type DefaultTreeAdapterTypes as T } from 'parse5';
import type { DocumentBlock, ReadableDocument } from '../../../shared/attachments.js';

/**
 * An HTML attachment as the same small tree a C-CDA becomes, so the renderer shows it formatted
 * (headings, paragraphs, lists, tables) with its own elements and never as markup.
 *
 * Why here and not DOMPurify in the renderer: sanitised markup would still be injected into the
 * vault's own window, where one missed case is script next to the records, and the CSP would
 * refuse every inline style and event handler a clinical system writes, logging a violation for
 * each (even Chromium's inert DOMParser reports them, since its documents inherit the page's CSP).
 * parse5 is a spec-compliant HTML parser in plain JS: it runs nothing and fetches nothing, and
 * only text is taken from what it builds, through an allow-list of structures; scripts, styles,
 * forms, media and frames are dropped, so nothing remote can even be named to the renderer.
 */
const DROPPED = new Set([
  'script',
  'style',
  'template',
  'noscript',
  'iframe',
  'frame',
  'frameset',
  'object',
  'embed',
  'applet',
  'img',
  'picture',
  'video',
  'audio',
  'canvas',
  'svg',
  'math',
  'form',
  'input',
  'select',
  'textarea',
  'button',
  'head',
  'link',
  'meta',
  'title',
]);
const BLOCKS = new Set([
  'p',
  'div',
  'section',
  'article',
  'main',
  'header',
  'footer',
  'aside',
  'nav',
  'blockquote',
  'pre',
  'address',
  'figure',
  'figcaption',
  'dl',
  'dt',
  'dd',
  'hr',
  'center',
  'fieldset',
  'details',
  'summary',
]);
const HEADINGS = new Set(['h1', 'h2', 'h3', 'h4', 'h5', 'h6']);
/** Deeper markup than this is not a document anyone wrote; it is dropped rather than recursed into. */
const MAX_DEPTH = 64;

type Parent = T.ParentNode;

const isElement = (node: T.ChildNode): node is T.Element => 'tagName' in node;
const isText = (node: T.ChildNode): node is T.TextNode => node.nodeName === '#text';

function tidy(text: string): string {
  return text
    .split('\n')
    .map((line) => line.replace(/[ \t\r\f\u00a0]+/g, ' ').trim())
    .filter(Boolean)
    .join('\n');
}

/** The text of an element as a browser lays it out in one box: br and blocks break lines. */
function inlineText(node: Parent, depth: number): string {
  let out = '';
  for (const at of node.childNodes) {
    if (isText(at)) out += at.value;
    else if (isElement(at) && depth <= MAX_DEPTH) {
      const name = at.tagName;
      if (DROPPED.has(name)) continue;
      if (name === 'br') out += '\n';
      else {
        const block = BLOCKS.has(name) || HEADINGS.has(name) || name === 'li' || name === 'tr';
        if (block) out += '\n';
        out += inlineText(at, depth + 1);
        if (block) out += '\n';
        else if (name === 'td' || name === 'th') out += ' ';
      }
    }
  }
  return out;
}

function elements(node: Parent, ...names: string[]): T.Element[] {
  return node.childNodes.filter(isElement).filter((el) => names.includes(el.tagName));
}

function table(el: T.Element, depth: number): DocumentBlock {
  const head: string[][] = [];
  const body: string[][] = [];
  const row = (tr: T.Element) => elements(tr, 'td', 'th').map((c) => tidy(inlineText(c, depth + 1)));
  // The parser has already put every row in a thead, tbody or tfoot, as a browser does.
  for (const part of elements(el, 'thead', 'tbody', 'tfoot')) {
    for (const tr of elements(part, 'tr')) {
      const cells = elements(tr, 'td', 'th');
      const inHead =
        part.tagName === 'thead' ||
        (head.length === 0 &&
          body.length === 0 &&
          cells.length > 0 &&
          cells.every((c) => c.tagName === 'th'));
      (inHead ? head : body).push(row(tr));
    }
  }
  const caption = elements(el, 'caption')[0];
  return {
    type: 'table',
    caption: caption ? tidy(inlineText(caption, depth + 1)) || null : null,
    head,
    body,
  };
}

function blocksOf(container: Parent, depth: number): DocumentBlock[] {
  const blocks: DocumentBlock[] = [];
  let line = '';
  const flush = () => {
    const text = tidy(line);
    if (text) blocks.push({ type: 'paragraph', text });
    line = '';
  };
  const walk = (node: Parent, level: number) => {
    for (const at of node.childNodes) {
      if (isText(at)) {
        line += at.value;
        continue;
      }
      if (!isElement(at) || level > MAX_DEPTH) continue;
      const name = at.tagName;
      if (DROPPED.has(name)) continue;
      if (name === 'br') line += '\n';
      else if (HEADINGS.has(name)) {
        flush();
        const text = tidy(inlineText(at, level + 1)).replace(/\n/g, ' ');
        if (text) blocks.push({ type: 'heading', text });
      } else if (name === 'ul' || name === 'ol') {
        flush();
        const items = elements(at, 'li').map((li) => blocksOf(li, level + 1));
        if (items.length > 0) blocks.push({ type: 'list', ordered: name === 'ol', caption: null, items });
      } else if (name === 'table') {
        flush();
        blocks.push(table(at, level));
      } else if (BLOCKS.has(name)) {
        flush();
        walk(at, level + 1);
        flush();
      } else walk(at, level + 1);
    }
  };
  walk(container, depth);
  flush();
  return blocks;
}

function find(node: Parent, name: string): T.Element | null {
  for (const at of node.childNodes) {
    if (!isElement(at)) continue;
    if (at.tagName === name) return at;
    const inner = find(at, name);
    if (inner) return inner;
  }
  return null;
}

/** An HTML document as a readable tree with one untitled section. */
export function readHtmlDocument(html: string): ReadableDocument {
  const doc = parse(html);
  const root = find(doc, 'html');
  const head = root ? elements(root, 'head')[0] : undefined;
  const title = head ? elements(head, 'title')[0] : undefined;
  const body = root ? elements(root, 'body', 'frameset')[0] : undefined;
  return {
    title: title ? tidy(inlineText(title, 0)) || null : null,
    date: null,
    facts: [],
    sections: [{ title: null, depth: 1, blocks: body ? blocksOf(body, 0) : [] }],
  };
}
