/**
 * Where in an HTML template each placeholder stands, read the way a browser's tokenizer reads the
 * markup (simplified: no foreign content, no script escape states). HTML-escaping makes a value safe
 * in text and in quoted attribute values only; elsewhere the same value can add attributes, markup or
 * script, so the template's rules (template.ts) depend on this context.
 */

/** Attributes whose value is a URL (or, for srcset, a list of them). */
const URL_ATTRIBUTES = new Set([
  'href', 'src', 'action', 'formaction', 'background', 'poster', 'cite', 'srcset', 'data', 'xlink:href',
  'ping', 'longdesc', 'usemap', 'codebase', 'classid', 'archive', 'lowsrc', 'dynsrc', 'icon', 'manifest', 'profile',
]);

/** Elements whose content is not markup: a `<` inside does not open a tag until the element's own end tag. */
const RAW_TEXT_ELEMENTS = new Set(['script', 'style', 'xmp', 'iframe', 'noembed', 'noframes', 'noscript', 'plaintext']);

export type PlaceholderContext =
  /** Text between tags. */
  | { readonly kind: 'text' }
  /** A double- or single-quoted value of an ordinary attribute. */
  | { readonly kind: 'attribute'; readonly tag: string; readonly attribute: string }
  /** A quoted value of a URL attribute; `prefix` is the value's text before the placeholder (earlier placeholders as U+FFFC). */
  | { readonly kind: 'url'; readonly tag: string; readonly attribute: string; readonly prefix: string }
  | { readonly kind: 'unquoted-attribute'; readonly tag: string; readonly attribute: string }
  /** Inside a tag, where a tag or attribute name stands. */
  | { readonly kind: 'markup'; readonly tag: string }
  /** A comment, a doctype or another `<!…>` / `<?…>` declaration. */
  | { readonly kind: 'comment' }
  /** The content of <script>, <style> or another raw-text element. */
  | { readonly kind: 'raw-text'; readonly tag: string }
  | { readonly kind: 'event-handler'; readonly tag: string; readonly attribute: string }
  | { readonly kind: 'style-attribute'; readonly tag: string }
  /** `srcdoc`: a whole HTML document inside an attribute, where escaped markup becomes markup again. */
  | { readonly kind: 'document-attribute'; readonly tag: string; readonly attribute: string };

export interface PlaceholderInHtml {
  readonly index: number;
  readonly length: number;
  readonly context: PlaceholderContext;
}

/** Stands for an earlier placeholder in a URL prefix: what it becomes is not known when the template is checked. */
export const EARLIER_PLACEHOLDER = '\uFFFC';

type State =
  | 'data' | 'tag-open' | 'end-tag-open' | 'tag-name' | 'before-attribute-name' | 'attribute-name' | 'after-attribute-name'
  | 'before-attribute-value' | 'double-quoted-value' | 'single-quoted-value' | 'unquoted-value' | 'after-quoted-value'
  | 'comment' | 'declaration' | 'raw-text';

const isSpace = (character: string) => character === ' ' || character === '\t' || character === '\n' || character === '\f' || character === '\r';
const isLetter = (character: string) => /^[A-Za-z]$/.test(character);

/**
 * Every placeholder of `html` with its context, in order. `placeholderLength` says how long the
 * placeholder starting at an index is (0: none there); a placeholder is read as one opaque token,
 * since what the browser sees in its place is the rendered value.
 */
export function placeholdersInHtml(html: string, placeholderLength: (source: string, index: number) => number): PlaceholderInHtml[] {
  const found: PlaceholderInHtml[] = [];
  let state: State = 'data';
  let tag = '';
  let endTag = false;
  let attribute = '';
  let value = '';
  let commentStart = 0;

  const valueContext = (): PlaceholderContext => {
    if (attribute.startsWith('on')) return { kind: 'event-handler', tag, attribute };
    if (attribute === 'style') return { kind: 'style-attribute', tag };
    if (attribute === 'srcdoc') return { kind: 'document-attribute', tag, attribute };
    if (URL_ATTRIBUTES.has(attribute)) return { kind: 'url', tag, attribute, prefix: value };
    return { kind: 'attribute', tag, attribute };
  };
  const contextOf = (current: State): PlaceholderContext => {
    switch (current) {
      case 'data': return { kind: 'text' };
      case 'double-quoted-value':
      case 'single-quoted-value': return valueContext();
      case 'before-attribute-value':
      case 'unquoted-value': return { kind: 'unquoted-attribute', tag, attribute };
      case 'comment':
      case 'declaration': return { kind: 'comment' };
      case 'raw-text': return { kind: 'raw-text', tag };
      default: return { kind: 'markup', tag };
    }
  };
  /** The state after a tag's `>`: the raw text of a <script> or <style> it opens, or markup again. */
  const afterTag = (): State => (!endTag && RAW_TEXT_ELEMENTS.has(tag) ? 'raw-text' : 'data');
  const startAttribute = (name: string): State => {
    attribute = name.toLowerCase();
    return 'attribute-name';
  };
  /** Whether the raw-text element's end tag starts at `index`. */
  const rawTextEndsAt = (index: number) => {
    if (tag === 'plaintext' || html.slice(index, index + 2 + tag.length).toLowerCase() !== `</${tag}`) return false;
    const after = html.charAt(index + 2 + tag.length);
    return after === '' || after === '/' || after === '>' || isSpace(after);
  };

  let index = 0;
  while (index < html.length) {
    const length = html.startsWith('{{', index) ? placeholderLength(html, index) : 0;
    if (length > 0) {
      found.push({ index, length, context: contextOf(state) });
      // The rendered value stands where the placeholder is: as part of a name or value of the current state.
      if (state === 'tag-open' || state === 'end-tag-open') state = 'tag-name';
      else if (state === 'before-attribute-name' || state === 'after-attribute-name' || state === 'after-quoted-value') state = startAttribute(EARLIER_PLACEHOLDER);
      else if (state === 'before-attribute-value') state = 'unquoted-value';
      else if (state === 'double-quoted-value' || state === 'single-quoted-value') value += EARLIER_PLACEHOLDER;
      index += length;
      continue;
    }
    const character = html.charAt(index);
    switch (state) {
      case 'data':
        if (character === '<') {
          state = 'tag-open';
          tag = '';
        }
        break;
      case 'tag-open':
        if (html.startsWith('!--', index)) {
          state = 'comment';
          index += 3;
          commentStart = index;
          continue;
        }
        if (character === '!' || character === '?') state = 'declaration';
        else if (character === '/') state = 'end-tag-open';
        else if (isLetter(character)) {
          state = 'tag-name';
          tag = character.toLowerCase();
          endTag = false;
        } else {
          // A `<` not followed by a name is text; read this character again as text.
          state = 'data';
          continue;
        }
        break;
      case 'end-tag-open':
        if (isLetter(character)) {
          state = 'tag-name';
          tag = character.toLowerCase();
          endTag = true;
        } else state = character === '>' ? 'data' : 'declaration';
        break;
      case 'tag-name':
        if (isSpace(character) || character === '/') state = 'before-attribute-name';
        else if (character === '>') state = afterTag();
        else tag += character.toLowerCase();
        break;
      case 'before-attribute-name':
        if (character === '>') state = afterTag();
        else if (!isSpace(character) && character !== '/') state = startAttribute(character);
        break;
      case 'attribute-name':
        if (isSpace(character)) state = 'after-attribute-name';
        else if (character === '/') state = 'before-attribute-name';
        else if (character === '=') state = 'before-attribute-value';
        else if (character === '>') state = afterTag();
        else attribute += character.toLowerCase();
        break;
      case 'after-attribute-name':
        if (character === '=') state = 'before-attribute-value';
        else if (character === '/') state = 'before-attribute-name';
        else if (character === '>') state = afterTag();
        else if (!isSpace(character)) state = startAttribute(character);
        break;
      case 'before-attribute-value':
        value = '';
        if (character === '"') state = 'double-quoted-value';
        else if (character === "'") state = 'single-quoted-value';
        else if (character === '>') state = afterTag();
        else if (!isSpace(character)) state = 'unquoted-value';
        break;
      case 'double-quoted-value':
      case 'single-quoted-value':
        if (character === (state === 'double-quoted-value' ? '"' : "'")) state = 'after-quoted-value';
        else value += character;
        break;
      case 'unquoted-value':
        if (isSpace(character)) state = 'before-attribute-name';
        else if (character === '>') state = afterTag();
        break;
      case 'after-quoted-value':
        if (character === '>') state = afterTag();
        else if (isSpace(character) || character === '/') state = 'before-attribute-name';
        else state = startAttribute(character);
        break;
      case 'comment':
        // `<!-->` and `<!--->` end at once; otherwise `-->` (or `--!>`) ends the comment.
        if (index === commentStart && character === '>') state = 'data';
        else if (index === commentStart && html.startsWith('->', index)) {
          state = 'data';
          index += 2;
          continue;
        } else if (html.startsWith('-->', index) || html.startsWith('--!>', index)) {
          state = 'data';
          index += html.startsWith('-->', index) ? 3 : 4;
          continue;
        }
        break;
      case 'declaration':
        if (character === '>') state = 'data';
        break;
      case 'raw-text':
        if (rawTextEndsAt(index)) {
          state = 'tag-name';
          endTag = true;
          index += 2 + tag.length;
          continue;
        }
        break;
    }
    index += 1;
  }
  return found;
}
