import type { EventPublisher } from './ports';
import type { DomainEvent } from '../domain/events';
import { decodeCursor, encodeCursor, type LeadCursor } from '../domain/lead-listing';

/** Pages of lead ids from the lead listing; no cursor back means every lead has been listed. */
export interface LeadIdPages {
  listLeadIds(limit: number, cursor?: LeadCursor): Promise<{ leadIds: string[]; cursor?: LeadCursor }>;
}

/** What recording a planned page found: counted now, counted before (a retry), or its round overtaken. */
export type PlannedPageRecord = 'recorded' | 'already-recorded' | 'superseded';

/**
 * Publishes one planned page of a fan-out over leads: counts the selected leads with `record`, then
 * publishes them in small events followed by the request for the next page, if any. A retried page
 * publishes again; the consumers of the chunks are idempotent, and `record` counts each page once.
 * A page `record` finds 'superseded' (a newer round of the fan-out plans every lead again) publishes
 * nothing, so the older round's chain ends there.
 */
export async function publishFanOutPage(options: {
  readonly publisher: EventPublisher;
  readonly selected: readonly string[];
  readonly chunkSize: number;
  readonly record: () => Promise<PlannedPageRecord>;
  readonly chunk: (leadIds: string[]) => DomainEvent;
  readonly next?: DomainEvent;
}): Promise<void> {
  if ((await options.record()) === 'superseded') return;
  const events: DomainEvent[] = [];
  for (let index = 0; index < options.selected.length; index += options.chunkSize) events.push(options.chunk(options.selected.slice(index, index + options.chunkSize)));
  if (options.next) events.push(options.next);
  await options.publisher.publish(events);
}

/**
 * One page of a fan-out over every lead id (rescoring): lists the next page from the cursor, keeps
 * the leads `select` returns and publishes them with `publishFanOutPage`.
 */
export async function fanOutLeadPage(options: {
  readonly leads: LeadIdPages;
  readonly publisher: EventPublisher;
  readonly cursor?: string;
  readonly pageSize: number;
  readonly chunkSize: number;
  readonly select: (leadIds: readonly string[]) => Promise<readonly string[]>;
  readonly record: (selected: number, last: boolean) => Promise<PlannedPageRecord>;
  readonly chunk: (leadIds: string[]) => DomainEvent;
  readonly nextPage: (cursor: string) => DomainEvent;
}): Promise<{ readonly selected: number; readonly last: boolean }> {
  const page = await options.leads.listLeadIds(options.pageSize, options.cursor ? decodeCursor(options.cursor) : undefined);
  const selected = await options.select(page.leadIds);
  await publishFanOutPage({
    publisher: options.publisher,
    selected,
    chunkSize: options.chunkSize,
    record: () => options.record(selected.length, !page.cursor),
    chunk: options.chunk,
    ...(page.cursor ? { next: options.nextPage(encodeCursor(page.cursor)) } : {}),
  });
  return { selected: selected.length, last: !page.cursor };
}
