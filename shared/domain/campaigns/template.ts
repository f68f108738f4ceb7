import { escapeHtml } from '../html';

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

const FIELD = /\{\{\s*([A-Za-z][A-Za-z0-9_.]*)\s*(?:\|\s*"([^"]*)"\s*)?\}\}/g;

/** The value a field names, from `{ lead: … }`-style data, as text; missing or empty uses the fallback. */
function valueOf(data: Readonly<Record<string, unknown>>, path: string, fallback: string | undefined): string {
  let value: unknown = data;
  for (const part of path.split('.')) value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[part] : undefined;
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
 * Personalises a template for one recipient. Values are HTML-escaped in the HTML part (a lead's own
 * data cannot inject markup); a missing value uses the field's fallback.
 */
export function renderTemplate(template: Template, data: Readonly<Record<string, unknown>>): RenderedEmail {
  const fill = (part: string, escape: boolean) =>
    part.replace(FIELD, (_, path: string, fallback: string | undefined) => {
      const value = valueOf(data, path, fallback);
      return escape ? escapeHtml(value) : value;
    });
  const html = fill(template.html, true);
  return {
    subject: fill(template.subject, false).replace(/[\r\n]+/g, ' '),
    html,
    text: template.text ? fill(template.text, false) : textFromHtml(html),
  };
}
