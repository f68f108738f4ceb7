/**
 * Leads are listed across these 16 partitions ('0' to 'f'), so no one partition runs hot and a walk
 * over every lead (campaign planning) can run one partition per worker.
 */
export const LEAD_LISTING_SHARDS = [...'0123456789abcdef'];

/** A position in the lead listing: the partition, and where in it the next page starts. */
export type LeadCursor = { readonly shard: number; readonly startKey?: Record<string, unknown> };

/** A lead cursor travels inside bus events as an opaque string. */
export const encodeCursor = (cursor: LeadCursor) => Buffer.from(JSON.stringify(cursor)).toString('base64url');
export const decodeCursor = (text: string) => JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as LeadCursor;
