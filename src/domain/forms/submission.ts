import type { FieldIssue } from '../errors';
import type { Language, SubscriptionType } from '../subscriptions';
import type { FieldDefinition, FormDefinition } from './definition';

/**
 * A post checked against its form's definition, before the submission schema reads it: fields the
 * form does not declare are kept as custom attributes or ignored (never refused, so an extra `gclid`
 * cannot lose a lead), consent is recorded only for the boxes the form offers, with the words it
 * showed, and each declared field's own checks (required, lengths, range, choices) name the field.
 */
export interface PreparedSubmission {
  /** The fields the submission schema reads next. */
  readonly fields: Record<string, unknown>;
  readonly issues: readonly FieldIssue[];
  /** The consent text shown beside each offered box, in the page's language. */
  readonly consentTexts: Partial<Record<SubscriptionType, string>>;
  /** How many posted fields (or unoffered consent values) were left out. */
  readonly ignored: number;
}

const ATTRIBUTE_NAME = /^[a-z][A-Za-z0-9_]{0,39}$/;
const MAX_ATTRIBUTE_TEXT = 200;
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
const ATTRIBUTE_PREFIX = 'attributes.';

/** A multi-line answer (a textarea) kept on one line, as every stored text value is. */
const oneLine = (value: string) => value.replace(/\s*[\r\n\u2028\u2029]+\s*/g, ' ').trim();
const isBlank = (value: unknown) => value === undefined || value === null || (typeof value === 'string' && value.trim() === '') || (Array.isArray(value) && value.length === 0);
const asList = (value: unknown): unknown[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

export interface PrepareOptions {
  /** The fields the submission schema knows (profile, consent, hidden, control fields). */
  readonly knownFields: readonly string[];
  readonly maxAttributes: number;
  readonly lang: Language;
}

export function prepareSubmission(definition: FormDefinition, body: Readonly<Record<string, unknown>>, options: PrepareOptions): PreparedSubmission {
  const declared = new Map(definition.fields.map((field) => [field.name, field]));
  const known = new Set(options.knownFields);
  const fields = new Map<string, unknown>();
  const unknown: [string, unknown][] = [];
  let ignored = 0;

  for (const [name, raw] of Object.entries(body)) {
    const field = declared.get(name);
    const value = field?.type === 'textarea' && typeof raw === 'string' ? oneLine(raw) : raw;
    if (field || known.has(name) || name.startsWith(ATTRIBUTE_PREFIX)) fields.set(name, value);
    else unknown.push([name, value]);
  }

  const offered = new Map(definition.consents.map((consent) => [consent.subscription as string, consent]));
  if (fields.has('consent')) {
    const ticked = asList(fields.get('consent'));
    const kept = ticked.filter((value) => typeof value === 'string' && offered.has(value));
    ignored += ticked.length - kept.length;
    fields.set('consent', kept);
  }
  const consentTexts = Object.fromEntries(definition.consents.map((consent) => [consent.subscription, consent.text[options.lang]]));

  if (definition.unknownFields === 'keep') {
    const attributeCount = () => [...fields.keys()].filter((name) => name.startsWith(ATTRIBUTE_PREFIX)).length + Object.keys(objectOrEmpty(fields.get('attributes'))).length;
    for (const [name, value] of unknown) {
      const kept = keptAttribute(value);
      const target = `${ATTRIBUTE_PREFIX}${name}`;
      if (ATTRIBUTE_NAME.test(name) && kept !== undefined && !fields.has(target) && attributeCount() < options.maxAttributes) fields.set(target, kept);
      else ignored += 1;
    }
  } else {
    ignored += unknown.length;
  }

  const issues = definition.fields.flatMap((field) => fieldIssues(field, fields.get(field.name)));
  return { fields: Object.fromEntries(fields), issues, consentTexts, ignored };
}

const objectOrEmpty = (value: unknown): object => (typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {});

/** An undeclared field's value as an attribute, or undefined when it could not be one. */
function keptAttribute(value: unknown): string | number | boolean | undefined {
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value !== 'string') return undefined;
  const line = oneLine(value);
  return line !== '' && line.length <= MAX_ATTRIBUTE_TEXT && !CONTROL_CHARACTERS.test(line) ? line : undefined;
}

const DIGITS = /^-?[0-9]+(\.[0-9]+)?$/;

/** A declared field's own checks; the submission schema checks its type (an email address, a whole number). */
function fieldIssues(field: FieldDefinition, value: unknown): FieldIssue[] {
  if (isBlank(value)) return field.required ? [{ field: field.name, message: 'is required' }] : [];
  if (typeof value !== 'string' && typeof value !== 'number') return [];
  const text = String(value).trim();
  const { minLength, maxLength, min, max } = field.validation ?? {};
  if (minLength !== undefined && text.length < minLength) return [{ field: field.name, message: `must be at least ${minLength} characters` }];
  if (maxLength !== undefined && text.length > maxLength) return [{ field: field.name, message: `must be at most ${maxLength} characters` }];
  if (field.options && !field.options.some((option) => option.value === text)) return [{ field: field.name, message: `must be one of ${field.options.map((option) => option.value).join(', ')}` }];
  if (field.type === 'number' && DIGITS.test(text)) {
    const number = Number(text);
    if (min !== undefined && number < min) return [{ field: field.name, message: `must be at least ${min}` }];
    if (max !== undefined && number > max) return [{ field: field.name, message: `must be at most ${max}` }];
  }
  return [];
}

/**
 * A browser's post to a form with no definition, without the fields the submission schema does not
 * know: the visitor cannot fix the page's HTML, so an extra `gclid` must not lose the lead. API callers
 * keep the strict contract (an unknown field is a 400 naming it).
 */
export function withoutUnknownFields(body: Readonly<Record<string, unknown>>, knownFields: readonly string[]): { readonly fields: Record<string, unknown>; readonly ignored: number } {
  const known = new Set(knownFields);
  const kept = Object.entries(body).filter(([name]) => known.has(name) || name === 'attributes' || name.startsWith(ATTRIBUTE_PREFIX));
  return { fields: Object.fromEntries(kept), ignored: Object.keys(body).length - kept.length };
}
