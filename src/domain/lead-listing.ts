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

/**
 * A page of a fan-out over the lead listing (a campaign's plan, a rescoring) as the attempt that first
 * planned it chose it: what it publishes, however often it is tried.
 */
export interface KeptPage {
  readonly leadIds: readonly string[];
  /** How many of them the fan-out counts: all, but in a campaign's later round those without an outcome when it began. */
  readonly counted: number;
  /** Where the next page starts (an encoded cursor); absent when this page ended the walk (or its partition). */
  readonly next?: string;
}
