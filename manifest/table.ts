/**
 * The single table's key design, shared by the CDK stack and the local runtime so both create the
 * same table. Entities build their own keys (src/adapters/keys.ts).
 */
export const tableDesign = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Items with this attribute (epoch seconds) are removed by DynamoDB TTL. */
  timeToLiveAttribute: 'expiresAt',
  indexes: [
    /**
     * Lists of each kind (leads in 16 shards, rulesets, campaigns, ...), per-lead purchases (and sends of
     * campaigns created before the campaign ids) and stage transitions by month. Engagement events have
     * no entry here: each is written once, in its subject's partition.
     */
    { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk', projection: 'ALL' },
    /**
     * Leads by score band (the lead list sorted by score), on the score item the scorer writes anyway.
     * Keys only: an index entry changes only when the band does, so an event that moves a score within
     * its band writes no index entry.
     */
    { name: 'bands', partitionKey: 'bp', sortKey: 'bs', projection: 'KEYS_ONLY' },
  ],
} as const;

export type IndexName = (typeof tableDesign.indexes)[number]['name'];

/**
 * The kinds of item in the table, named by their partition key (keys.ts). A kind ending in `#` is a
 * prefix (`LEAD#` is every `LEAD#<id>` partition: profile, consents, alerts, assignments, follow-ups,
 * stage transitions); any other is one partition exactly (`RULESET` is the active-ruleset pointer).
 * Grants follow partitions, because DynamoDB's `dynamodb:LeadingKeys` sees only the partition key.
 */
export const ITEM_KINDS = [
  'LEAD#',
  'EMAIL#',
  'ANON#',
  'RULESET#',
  'RULESET',
  'RESCORE#',
  'SUPPRESSED#',
  'CAMPAIGN#',
  /** The ids of campaigns whose send records carry no index entry: where data rights find a lead's sends. */
  'CAMPAIGN_IDS',
  /** The pages of a campaign's plan or of a rescoring kept and not yet published: where an erasure finds those holding a lead's id. */
  'KEPT_PAGES',
  'SEGMENT#',
  'SEND_RATE',
  'TEMPLATE#',
  'ORDER#',
  'ROUTING',
  'ROUTING#TEAM#',
  'ROUTING#REP#',
  'WEBHOOK#',
  'SETTINGS',
  /** The subscription types (one item), read by the public preference centre and form capture. */
  'SUBSCRIPTION_TYPES',
  'FORM#',
  'CHAT#',
  'CHAT_DELIVERY#',
  'SOURCE#',
  'WRITEKEY#',
  'JOURNEY#',
  'JDUE#',
  'CARE',
  'REQUESTER#',
  /** The development sign-in's users as the users admin changed them (local mode; Cognito holds them in AWS). */
  'USERS',
] as const;
export type ItemKind = (typeof ITEM_KINDS)[number];

/** The partition values of each index (keys.ts), with the same prefix rule as item kinds. */
export const INDEX_PARTITIONS = {
  gsi1: ['LEADS#', 'RULESETS', 'SUPPRESSIONS', 'CAMPAIGNS', 'SENDS#', 'SEGMENTS', 'TEMPLATES', 'PURCHASES#', 'WEBHOOKS', 'TRANSITIONS#', 'FORMS', 'CHATSOURCES', 'SOURCES', 'JOURNEYS', 'JDUE#', 'CARE#', 'TEAMINBOX#', 'MEMBERS#', 'CONSENTS#', 'REQUESTERS#'],
  bands: ['B#'],
} as const satisfies Record<IndexName, readonly string[]>;
export type IndexPartition<I extends IndexName> = (typeof INDEX_PARTITIONS)[I][number];

/** Whether a partition key value belongs to a kind: by prefix for a kind ending in `#`, exactly otherwise. */
export const isOfKind = (partition: string, kind: string): boolean => (kind.endsWith('#') ? partition.startsWith(kind) : partition === kind);

/** The `dynamodb:LeadingKeys` pattern (`StringLike`) of a kind: `LEAD#*`, or the exact value. */
export const leadingKeyPattern = (kind: string): string => (kind.endsWith('#') ? `${kind}*` : kind);
