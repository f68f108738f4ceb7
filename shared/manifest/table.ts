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
    /** Per-subject history (events by lead or visitor, in time order); also lists leads and rulesets. */
    { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
    /** Events by the UTC day they happened, in time order: back-tests read a time window from here. */
    { name: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
  ],
} as const;
