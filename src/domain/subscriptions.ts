/** The languages subscriber-facing pages speak. */
export const LANGUAGES = ['en', 'id'] as const;
export type Language = (typeof LANGUAGES)[number];

/** A kind of mail a subscriber opts into separately: one checkbox on forms, one row in the preference centre. */
export interface SubscriptionTypeDefinition {
  readonly id: string;
  readonly label: Readonly<Record<Language, string>>;
  readonly description: Readonly<Record<Language, string>>;
  /** An opt-in from a form stays pending until the subscriber confirms it from an emailed link. */
  readonly doubleOptIn: boolean;
}

/** The subscription types, as data: the one place that names them. */
export const SUBSCRIPTION_CATALOGUE = [
  {
    id: 'newsletter',
    label: { en: 'Newsletter', id: 'Buletin' },
    description: { en: 'A monthly digest of articles and guides.', id: 'Ringkasan bulanan artikel dan panduan.' },
    doubleOptIn: true,
  },
  {
    id: 'product_updates',
    label: { en: 'Product updates', id: 'Pembaruan produk' },
    description: { en: 'New features and changes to the product.', id: 'Fitur baru dan perubahan pada produk.' },
    doubleOptIn: false,
  },
  {
    id: 'events',
    label: { en: 'Events and webinars', id: 'Acara dan webinar' },
    description: { en: 'Invitations to webinars, meet-ups and conferences.', id: 'Undangan webinar, pertemuan, dan konferensi.' },
    doubleOptIn: false,
  },
  {
    id: 'offers',
    label: { en: 'Offers', id: 'Penawaran' },
    description: { en: 'Discounts and trial extensions.', id: 'Diskon dan perpanjangan masa uji coba.' },
    doubleOptIn: true,
  },
] as const satisfies readonly SubscriptionTypeDefinition[];

export const SUBSCRIPTION_TYPES = SUBSCRIPTION_CATALOGUE.map((definition) => definition.id) as [
  (typeof SUBSCRIPTION_CATALOGUE)[number]['id'],
  ...(typeof SUBSCRIPTION_CATALOGUE)[number]['id'][],
];
export type SubscriptionType = (typeof SUBSCRIPTION_CATALOGUE)[number]['id'];

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

export const isSubscriptionType = (value: string): value is SubscriptionType => (SUBSCRIPTION_TYPES as readonly string[]).includes(value);

export const subscriptionType = (id: SubscriptionType): SubscriptionTypeDefinition =>
  SUBSCRIPTION_CATALOGUE.find((definition) => definition.id === id) as SubscriptionTypeDefinition;
