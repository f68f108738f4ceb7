import type { z } from 'zod';
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
  return issues;
}

/** `checkTemplateFields` as a zod refinement: each problem an issue at its part (`html`, `template.html`). */
export function refineTemplateFields(template: Template, context: z.RefinementCtx): void {
  for (const issue of checkTemplateFields(template)) context.addIssue({ code: 'custom', path: [issue.part], message: issue.message });
}

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
