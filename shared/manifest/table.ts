/**
 * The single table's key design, shared by the CDK stack and the local runtime so both create the
 * same table. Entities build their own keys (shared/adapters/keys.ts).
 */
export const tableDesign = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Items with this attribute (epoch seconds) are removed by DynamoDB TTL. */
  timeToLiveAttribute: 'expiresAt',
  indexes: [
    /** Per-subject history: events by lead or anonymous visitor, in time order. */
    { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  ],
} as const;
