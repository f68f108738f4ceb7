import * as z from 'zod/mini';

/** The languages subscriber-facing pages speak. */
export const LANGUAGES = ['en', 'id'] as const;
export type Language = (typeof LANGUAGES)[number];

const ID_PATTERN = /^[a-z][a-z0-9_]{1,39}$/;

/**
 * A subscription type's id: what consent records, campaigns, journeys, templates and forms name. Which
 * ids exist is data (the stored catalogue), so a schema can check only the id's shape; use cases check
 * that the catalogue has it (`subscriptionTypeIssue`).
 */
export const SubscriptionTypeId = z.string().check(z.regex(ID_PATTERN, 'must be a subscription type id: 2-40 lower-case letters, digits or _, starting with a letter'));
export type SubscriptionType = string;

const inBothLanguages = (maxLength: number) =>
  z.strictObject(Object.fromEntries(LANGUAGES.map((language) => [language, z.string().check(z.trim(), z.minLength(1, 'must not be empty'), z.maxLength(maxLength))])) as Record<Language, z.ZodMiniString<string>>);

/** A kind of mail a subscriber opts into separately: one checkbox on forms, one row in the preference centre. */
export const SubscriptionTypeDefinition = z.strictObject({
  id: SubscriptionTypeId.check(z.describe('Never changes once saved: consent records, campaigns and forms name it.')),
  label: inBothLanguages(60),
  description: inBothLanguages(300),
  /** An opt-in from a form stays pending until the subscriber confirms it from an emailed link. */
  doubleOptIn: z.boolean().check(z.describe('The opt-in mode: a ticked form box stays pending until the subscriber confirms from an emailed link.')),
  transactional: z._default(z.boolean(), false).check(z.describe('Service mail rather than marketing: campaigns and journeys of this type skip the frequency cap and quiet hours and take no slot of the cap; they still need an opt-in to the type, and never go to a suppressed address or a subscriber who left it. The preference centre shows it as service email.')),
  archived: z._default(z.boolean(), false).check(z.describe('No new campaign, journey, template or form version may name it, and the preference centre shows it only to subscribers still opted in (so they can leave).')),
});
export type SubscriptionTypeDefinition = z.infer<typeof SubscriptionTypeDefinition>;

/** Every subscription type, archived ones included, in the order forms and the preference centre show them. */
export type SubscriptionCatalogue = readonly SubscriptionTypeDefinition[];

/** The catalogue as saved: at least one type, ids unique. */
export const SubscriptionTypes = z.array(SubscriptionTypeDefinition).check(
  z.minLength(1, 'must hold at least one subscription type'),
  z.maxLength(50),
  z.superRefine((types, context) => {
    const seen = new Set<string>();
    types.forEach((type, index) => {
      if (seen.has(type.id)) context.addIssue({ code: 'custom', path: [index, 'id'], message: `repeats ${type.id}` });
      seen.add(type.id);
    });
  }),
);

/** The types a deployment starts with, used until an admin saves a catalogue of their own. */
export const SEEDED_CATALOGUE: SubscriptionCatalogue = [
  {
    id: 'newsletter',
    label: { en: 'Newsletter', id: 'Buletin' },
    description: { en: 'A monthly digest of articles and guides.', id: 'Ringkasan bulanan artikel dan panduan.' },
    doubleOptIn: true,
    transactional: false,
    archived: false,
  },
  {
    id: 'product_updates',
    label: { en: 'Product updates', id: 'Pembaruan produk' },
    description: { en: 'New features and changes to the product.', id: 'Fitur baru dan perubahan pada produk.' },
    doubleOptIn: false,
    transactional: false,
    archived: false,
  },
  {
    id: 'events',
    label: { en: 'Events and webinars', id: 'Acara dan webinar' },
    description: { en: 'Invitations to webinars, meet-ups and conferences.', id: 'Undangan webinar, pertemuan, dan konferensi.' },
    doubleOptIn: false,
    transactional: false,
    archived: false,
  },
  {
    id: 'offers',
    label: { en: 'Offers', id: 'Penawaran' },
    description: { en: 'Discounts and trial extensions.', id: 'Diskon dan perpanjangan masa uji coba.' },
    doubleOptIn: true,
    transactional: false,
    archived: false,
  },
];

/** The types the code names as defaults, and why: these cannot be archived. */
export const RELIED_ON_TYPES: Readonly<Record<string, string>> = {
  newsletter: 'a template that names no subscription type is for newsletter',
  product_updates: 'a satisfaction survey that names no subscription type goes to product_updates subscribers',
};

export type SubscriptionStatus = 'opted_in' | 'pending' | 'opted_out';

/** How a consent change was made; kept with every record. */
export type ConsentMethod = 'form_checkbox' | 'double_opt_in_confirmation' | 'preference_centre' | 'one_click_unsubscribe' | 'journey_step';

/** Where and how a subscriber gave or withdrew consent; stored append-only, never rewritten. */
export interface ConsentRecord {
  readonly subscription: SubscriptionType;
  readonly status: SubscriptionStatus;
  readonly at: string;
  readonly method: ConsentMethod;
  readonly formId?: string;
  readonly pageUrl?: string;
  readonly ipAddress?: string;
  readonly userAgent?: string;
  readonly consentText?: string;
}

export const findSubscriptionType = (catalogue: SubscriptionCatalogue, id: string): SubscriptionTypeDefinition | undefined => catalogue.find((definition) => definition.id === id);

export const isSubscriptionType = (catalogue: SubscriptionCatalogue, id: string): boolean => findSubscriptionType(catalogue, id) !== undefined;

/** The ids of the types new campaigns, journeys, templates and form versions may name. */
export const activeSubscriptionTypes = (catalogue: SubscriptionCatalogue): SubscriptionType[] => catalogue.filter((definition) => !definition.archived).map((definition) => definition.id);

/** A type's name in each language; its id should the catalogue no longer have it (an old link, a record). */
export const subscriptionLabel = (catalogue: SubscriptionCatalogue, id: string): Readonly<Record<Language, string>> => findSubscriptionType(catalogue, id)?.label ?? { en: id, id };

/**
 * What is wrong with naming `id` in new work (a campaign, a journey, a template or form version), as
 * the issue of `field`; undefined when it is an active type.
 */
export function subscriptionTypeIssue(catalogue: SubscriptionCatalogue, id: string, field: string): { field: string; message: string } | undefined {
  const definition = findSubscriptionType(catalogue, id);
  if (definition && !definition.archived) return undefined;
  const choices = activeSubscriptionTypes(catalogue).join(', ');
  return { field, message: definition ? `names ${id}, which is archived: choose one of ${choices}` : `must be one of ${choices}` };
}

/**
 * Why `next` may not replace `previous`, field by field. A saved type is never removed or renamed: consent
 * records, campaigns, journeys, templates and forms name it by id, so it is archived instead. The types
 * the code relies on stay active.
 */
export function catalogueChangeIssues(previous: SubscriptionCatalogue, next: SubscriptionCatalogue): { field: string; message: string }[] {
  const nextIds = new Set(next.map((definition) => definition.id));
  const removed = previous.filter((definition) => !nextIds.has(definition.id)).map((definition) => ({
    field: 'types',
    message: `must still hold ${definition.id}: a saved type cannot be removed or renamed (consent records and campaigns name it); archive it instead`,
  }));
  const archivedReliedOn = next.flatMap((definition, index) => {
    const reason = Object.hasOwn(RELIED_ON_TYPES, definition.id) ? RELIED_ON_TYPES[definition.id] : undefined;
    return definition.archived && reason ? [{ field: `types[${index}].archived`, message: `cannot be true for ${definition.id}: ${reason}` }] : [];
  });
  return [...removed, ...archivedReliedOn];
}

/** Something that names a subscription type, so the type cannot be deleted while it does. */
export type SubscriptionTypeUse =
  | { readonly kind: 'consent_records' }
  | { readonly kind: 'campaign' | 'journey' | 'form' | 'segment'; readonly id: string; readonly name: string }
  | { readonly kind: 'care_survey'; readonly survey: string };

/** How many uses a refusal names before it says how many more there are. */
const USES_NAMED = 5;

const describeUse = (use: SubscriptionTypeUse): string => {
  switch (use.kind) {
    case 'consent_records':
      return 'consent records (a subscriber opted in, is pending or left it)';
    case 'care_survey':
      return `the customer care ${use.survey} survey setting`;
    default:
      return `${use.kind} "${use.name}" (${use.id})`;
  }
};

/**
 * Why `id` cannot be deleted from `catalogue`, as issues of the field `typeId`; none when it can. A type
 * the code relies on, or anything that names it (a consent record, a campaign, a journey, a form, a
 * segment, a care survey), keeps it: archive it instead.
 */
export function deletionIssues(catalogue: SubscriptionCatalogue, id: string, uses: readonly SubscriptionTypeUse[]): { field: string; message: string }[] {
  const reliedOn = Object.hasOwn(RELIED_ON_TYPES, id) ? RELIED_ON_TYPES[id] : undefined;
  if (reliedOn) return [{ field: 'typeId', message: `cannot delete ${id}: ${reliedOn}` }];
  if (!isSubscriptionType(catalogue, id)) return [];
  if (uses.length === 0) return [];
  const named = uses.slice(0, USES_NAMED).map(describeUse).join('; ');
  const more = uses.length > USES_NAMED ? `; and ${uses.length - USES_NAMED} more` : '';
  return [{ field: 'typeId', message: `cannot delete ${id}: it is used by ${named}${more}. Archive it instead` }];
}

/**
 * Whether stored data (a campaign, a journey and its versions, a form version, a segment, the care
 * settings) names subscription type `id` anywhere: as a `subscription` (`"events"` or `{ type: "events" }`)
 * or as a key of a `subscriptions` condition (`{ lead: { subscriptions: { events: [...] } } }`). It looks
 * at every level, so a shape added later is found too; a false find only keeps a type (archive it instead).
 */
export function namesSubscriptionType(value: unknown, id: string): boolean {
  if (Array.isArray(value)) return value.some((entry) => namesSubscriptionType(entry, id));
  if (value === null || typeof value !== 'object') return false;
  return Object.entries(value).some(([key, entry]) => {
    if (key === 'subscription' && (entry === id || (typeof entry === 'object' && entry !== null && 'type' in entry && entry.type === id))) return true;
    if (key === 'subscriptions' && typeof entry === 'object' && entry !== null && Object.hasOwn(entry, id)) return true;
    return namesSubscriptionType(entry, id);
  });
}

/**
 * The subscription types a condition names as keys of a `subscriptions` pattern (a segment's `where`:
 * `{ lead: { subscriptions: { events: ["opted_in"] } } }`), each with its field path.
 */
export function subscriptionTypesInCondition(condition: unknown, path: string): { field: string; id: string }[] {
  if (Array.isArray(condition)) return condition.flatMap((entry, index) => subscriptionTypesInCondition(entry, `${path}[${index}]`));
  if (condition === null || typeof condition !== 'object') return [];
  return Object.entries(condition).flatMap(([key, entry]) =>
    key === 'subscriptions' && entry !== null && typeof entry === 'object' && !Array.isArray(entry)
      ? Object.keys(entry).map((id) => ({ field: `${path}.subscriptions.${id}`, id }))
      : subscriptionTypesInCondition(entry, `${path}.${key}`),
  );
}
