import * as z from 'zod/mini';
import { SubscriptionTypeId } from '../subscriptions';
import { refineTemplateFields, type Template } from './template';

/**
 * Email templates as versioned data: a template is a name and a list of immutable versions, each a
 * subject, HTML and optional text. A campaign copies a version's content when it is created, so an
 * edit to the template never changes a campaign that exists.
 */

export const TemplateId = z.uuid('must be a template id (UUID)');
/** A version number in a request body. */
export const TemplateVersionNumber = z.number('must be a version number').check(z.int('must be a whole version number'), z.gte(1, 'must be 1 or more'), z.lte(999_999, 'must be at most 999999'));
/** A version in a path (`/versions/3`). */
export const TemplateVersionParameter = z.pipe(z.coerce.number('must be a version number'), TemplateVersionNumber);

const content = {
  subject: z.string().check(z.trim(), z.minLength(1), z.maxLength(200)),
  html: z.string().check(z.minLength(1), z.maxLength(200_000)),
  text: z.optional(z.string().check(z.maxLength(200_000))),
};

/** Subject, HTML and text, with every `{{ field }}` checked against the fields a lead has. */
export const TemplateContent = z.strictObject(content).check(z.superRefine(refineTemplateFields), z.meta({ id: 'TemplateContent' }));

/** A version of a stored template, by id; the latest when no version is named. */
export const TemplateReference = z
  .strictObject({ templateId: TemplateId, version: z.optional(TemplateVersionNumber) }).check(z.meta({ id: 'TemplateReference' }));
export type TemplateReference = z.infer<typeof TemplateReference>;

/** A new template, or a new version of one (the name may change with it). */
export const TemplateRequest = z
  .strictObject({ name: z.string().check(z.trim(), z.minLength(1), z.maxLength(200)), ...content }).check(z.superRefine(refineTemplateFields), z.meta({ id: 'TemplateRequest' }));
export type TemplateRequest = z.infer<typeof TemplateRequest>;

/** What a template looks like for one lead, or with its fallbacks when no lead is named; for a stored version or for unsaved content. */
export const TemplatePreviewRequest = z
  .strictObject({
    leadId: z.optional(z.uuid('must be a lead id (UUID)')),
    version: z.optional(TemplateVersionNumber),
    /** Unsaved edits, checked as a save checks them, so a marketer sees them before they become a version. */
    draft: z.optional(TemplateContent),
    /** The footer says which subscription the email comes under; a template has none until a campaign uses it. */
    subscription: z._default(SubscriptionTypeId, 'newsletter'),
  }).check(z.refine((request) => !(request.draft && request.version), { path: ['version'], message: 'cannot be given with draft: a draft is previewed as it is' }), z.meta({ id: 'TemplatePreviewRequest' }));

/** The head of a template: its name and latest version. */
export interface TemplateSummary {
  readonly templateId: string;
  readonly name: string;
  readonly latestVersion: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface TemplateVersionRecord extends Template {
  readonly templateId: string;
  readonly version: number;
  readonly createdAt: string;
}

/** Whether content is what a version already holds (a missing text and an empty one are the same). */
export function sameContent(version: Template, content: Template): boolean {
  return version.subject === content.subject && version.html === content.html && (version.text ?? '') === (content.text ?? '');
}

/** The content alone, as a version and a campaign store it. */
export function contentOf(template: Template): Template {
  return { subject: template.subject, html: template.html, ...(template.text ? { text: template.text } : {}) };
}
