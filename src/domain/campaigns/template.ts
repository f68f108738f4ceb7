import type * as z from 'zod/mini';
import { escapeHtml } from '../html';
import { singleLineHeader } from '../mail-headers';
import { EARLIER_PLACEHOLDER, placeholdersInHtml, type PlaceholderContext, type PlaceholderInHtml } from './html-context';

/** An email template: subject, HTML and (optionally) text, with `{{ field | "fallback" }}` fields. */
export interface Template {
  readonly subject: string;
  readonly html: string;
  readonly text?: string;
}

export interface RenderedEmail {
  readonly subject: string;
  readonly html: string;
  readonly text: string;
}

const FIELD_SOURCE = String.raw`\{\{\s*([A-Za-z][A-Za-z0-9_.]*)\s*(?:\|\s*"([^"]*)"\s*)?\}\}`;
const FIELD = new RegExp(FIELD_SOURCE, 'g');

/** Lead fields a template may name as `lead.<field>`: the profile a person gives us, and the address. */
export const TEMPLATE_LEAD_FIELDS = [
  'firstName', 'lastName', 'company', 'email', 'phone', 'role', 'industry', 'country', 'teamSize', 'annualRevenue', 'budget', 'preferredChannel',
] as const;
/** A custom attribute's name, as templates name it: `lead.attributes.<name>`. */
export const ATTRIBUTE_NAME = /^[a-z][A-Za-z0-9_]{0,39}$/;
const KNOWN_FIELDS = [...TEMPLATE_LEAD_FIELDS.map((field) => `lead.${field}`), 'lead.attributes.<name>'].join(', ');

export const TEMPLATE_PARTS = ['subject', 'html', 'text'] as const;
export type TemplatePart = (typeof TEMPLATE_PARTS)[number];
export interface TemplateIssue {
  readonly part: TemplatePart;
  readonly message: string;
}

const isKnownField = (path: string) => {
  const [root, field, name, ...rest] = path.split('.');
  if (root !== 'lead' || rest.length) return false;
  if (field === 'attributes') return name !== undefined && ATTRIBUTE_NAME.test(name);
  return name === undefined && (TEMPLATE_LEAD_FIELDS as readonly string[]).includes(field ?? '');
};

/** One `{{ field | "fallback" }}` placeholder at exactly this position (sticky), as the renderer reads it. */
const PLACEHOLDER_AT = new RegExp(FIELD_SOURCE, 'y');

const placeholderLength = (source: string, index: number) => {
  PLACEHOLDER_AT.lastIndex = index;
  return PLACEHOLDER_AT.exec(source)?.[0].length ?? 0;
};

/** Templates are few and sent to many: each HTML part is scanned once per cold start, not per recipient. */
const scannedHtml = new Map<string, readonly PlaceholderInHtml[]>();
const SCANNED_HTML_KEPT = 32;
function placeholdersOf(html: string): readonly PlaceholderInHtml[] {
  let placeholders = scannedHtml.get(html);
  if (!placeholders) {
    placeholders = placeholdersInHtml(html, placeholderLength);
    if (scannedHtml.size >= SCANNED_HTML_KEPT) scannedHtml.clear();
    scannedHtml.set(html, placeholders);
  }
  return placeholders;
}

/**
 * The start a link must have before a placeholder, so lead data cannot choose where it goes: a fixed
 * scheme and host ended by `/`, `?` or `#` (`https://example.com/?ref=`), a `mailto:` or `tel:`
 * scheme, or a path, query or fragment of the page itself. Written literally: a character reference
 * (`&#47;`), a backslash or a space where the host or a `//` could form is refused, since browsers
 * decode, turn or drop those before they read the address.
 */
const FIXED_URL_START = new RegExp(String.raw`^\s*(?:(?:https?:)?//[^/?#\s&\\${EARLIER_PLACEHOLDER}]+[/?#]|(?:mailto|tel):|/(?![/\\&\s])|[?#])`, 'i');

/** How a placeholder's value is written in its HTML context, or why it may not stand there. */
type PlaceholderRule = { readonly write: (value: string) => string } | { readonly refusal: string };

function ruleFor(context: PlaceholderContext): PlaceholderRule {
  switch (context.kind) {
    case 'text':
    case 'attribute':
      return { write: escapeHtml };
    case 'url':
      return FIXED_URL_START.test(context.prefix)
        ? { write: (value) => escapeHtml(encodeURIComponent(value)) }
        : {
            refusal: `is in the ${context.attribute} of <${context.tag}> before a fixed scheme and host, so lead data could choose where it points (a javascript: link, another site); start the address yourself, as ${context.attribute}="https://example.com/?ref={{ lead.company }}"`,
          };
    case 'unquoted-attribute':
      return { refusal: `is in the unquoted value of ${context.attribute} in <${context.tag}>, where a space in lead data would start another attribute; put the value in double quotes` };
    case 'markup':
      return { refusal: `is inside <${context.tag || '…'}> where a tag or attribute name stands, so lead data would write markup; put it in the text or in a quoted attribute value` };
    case 'comment':
      return { refusal: 'is in an HTML comment or declaration, which some email clients (Outlook conditional comments) read as markup; move it out of the comment' };
    case 'raw-text':
      return { refusal: `is inside <${context.tag}>, whose content is code, not text, so escaping cannot make lead data safe there; put it in the text` };
    case 'event-handler':
      return { refusal: `is in the ${context.attribute} attribute of <${context.tag}>, an event handler, where lead data would run as script; remove it from the handler` };
    case 'style-attribute':
      return { refusal: `is in the style attribute of <${context.tag}>, where lead data in CSS could load addresses or change the layout; use a fixed style` };
    case 'document-attribute':
      return { refusal: `is in the ${context.attribute} attribute of <${context.tag}>, a whole HTML document where escaped markup becomes markup again; put it in the text` };
  }
}

/**
 * Every problem with a template's placeholders, one per problem: an unknown field, an unclosed `{{`,
 * or a fallback that is not one double-quoted text. A template that passes renders every placeholder;
 * one that does not would send a recipient `{{ lead.frist_name }}` or an empty greeting.
 */
export function checkTemplateFields(template: Template): TemplateIssue[] {
  const issues: TemplateIssue[] = [];
  for (const part of TEMPLATE_PARTS) {
    const source = template[part] ?? '';
    let at = source.indexOf('{{');
    while (at !== -1) {
      PLACEHOLDER_AT.lastIndex = at;
      const placeholder = PLACEHOLDER_AT.exec(source);
      let next: number;
      if (placeholder) {
        const field = placeholder[1] ?? '';
        if (!isKnownField(field)) issues.push({ part, message: `unknown field ${field} in ${part}; known: ${KNOWN_FIELDS}` });
        next = at + placeholder[0].length;
      } else {
        const close = source.indexOf('}}', at + 2);
        if (close === -1) {
          issues.push({ part, message: `unclosed {{ in ${part} at character ${at + 1}` });
          break;
        }
        const inside = source.slice(at + 2, close).trim();
        issues.push({
          part,
          message: inside.includes('|')
            ? `bad fallback in {{ ${inside} }} in ${part}: write it in double quotes, as {{ lead.firstName | "there" }}`
            : `{{ ${inside} }} in ${part} is not a field; known: ${KNOWN_FIELDS}`,
        });
        next = close + 2;
      }
      at = source.indexOf('{{', next);
    }
  }
  for (const { index, length, context } of placeholdersOf(template.html)) {
    const rule = ruleFor(context);
    if ('refusal' in rule) issues.push({ part: 'html', message: `${template.html.slice(index, index + length)} in html ${rule.refusal}` });
  }
  return issues;
}

/** `checkTemplateFields` as a zod refinement: each problem an issue at its part (`html`, `template.html`). */
export function refineTemplateFields(template: Template, context: z.core.$RefinementCtx): void {
  for (const issue of checkTemplateFields(template)) context.addIssue({ code: 'custom', path: [issue.part], message: issue.message });
}

/** The value a field names, from `{ lead: … }`-style data, as text; missing or empty uses the fallback. */
function valueAtPath(data: Readonly<Record<string, unknown>>, path: string, fallback: string | undefined): string {
  let value: unknown = data;
  // Own properties only: `{{ lead.attributes.constructor }}` must not print Object's constructor.
  for (const part of path.split('.')) value = typeof value === 'object' && value !== null && Object.hasOwn(value, part) ? (value as Record<string, unknown>)[part] : undefined;
  if (value === undefined || value === null || value === '') return fallback ?? '';
  return typeof value === 'object' ? '' : String(value);
}

/** The fields a template uses, so a template naming an unknown field can be refused before sending. */
export function templateFields(template: Template): string[] {
  return [...new Set([template.subject, template.html, template.text ?? ''].flatMap((part) => [...part.matchAll(FIELD)].map((match) => match[1] ?? '')))];
}

/** A text part for an HTML-only template: paragraphs and breaks kept, links written out. */
export function textFromHtml(html: string): string {
  return html
    .replace(/<a\s[^>]*href="([^"]*)"[^>]*>([\s\S]*?)<\/a>/gi, (_, href: string, label: string) => `${label} (${href})`)
    .replace(/<(br|\/p|\/div|\/h[1-6]|\/li)\s*\/?>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/**
 * The HTML part for one recipient, each value written for its context: HTML-escaped in text and quoted
 * attributes, percent-encoded then escaped in links. A placeholder where nothing is safe (refused when
 * a template is saved, so only in a template saved before that check) is left empty.
 */
function renderHtml(html: string, data: Readonly<Record<string, unknown>>): string {
  let rendered = '';
  let at = 0;
  for (const { index, length, context } of placeholdersOf(html)) {
    PLACEHOLDER_AT.lastIndex = index;
    const [, path = '', fallback] = PLACEHOLDER_AT.exec(html) ?? [];
    const rule = ruleFor(context);
    rendered += html.slice(at, index) + ('write' in rule ? rule.write(valueAtPath(data, path, fallback)) : '');
    at = index + length;
  }
  return rendered + html.slice(at);
}

/**
 * Personalises a template for one recipient. In the HTML part each value is written for where it
 * stands (a lead's own data cannot inject markup, attributes or links); the subject is one line; a
 * missing value uses the field's fallback.
 */
export function renderTemplate(template: Template, data: Readonly<Record<string, unknown>>): RenderedEmail {
  const fill = (part: string) => part.replace(FIELD, (_, path: string, fallback: string | undefined) => valueAtPath(data, path, fallback));
  const html = renderHtml(template.html, data);
  return {
    subject: singleLineHeader(fill(template.subject)),
    html,
    text: template.text ? fill(template.text) : textFromHtml(html),
  };
}
