import type { EventPublisher } from './ports';
import type { DomainEvent } from '../domain/events';
import { decodeCursor, encodeCursor, type KeptPage, type LeadCursor } from '../domain/lead-listing';

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

/** A fan-out's pages as first chosen, kept until published (KeptPages): this page's. */
export interface FanOutPageKeeping {
  /** Keeps `page` unless an attempt before kept one; the page kept, or 'finished' once `finish` marked it. */
  keep(page: KeptPage): Promise<KeptPage | 'finished'>;
  /** Marks the page published and forgets its lead ids. */
  finish(): Promise<void>;
}

/**
 * One page of a fan-out over every lead id (rescoring): lists the next page from the cursor, keeps
 * the leads `select` returns, and publishes them with `publishFanOutPage`. The page is kept as first
 * chosen before it is counted and published (`pages`), and a retry publishes the kept page instead
 * of listing again: a lead erased between the tries would otherwise stay counted and never be done.
 * 'finished': the page was published before, and nothing is done again.
 */
export async function fanOutLeadPage(options: {
  readonly leads: LeadIdPages;
  readonly publisher: EventPublisher;
  readonly cursor?: string;
  readonly pageSize: number;
  readonly chunkSize: number;
  readonly select: (leadIds: readonly string[]) => Promise<readonly string[]>;
  readonly pages: FanOutPageKeeping;
  readonly record: (selected: number, last: boolean) => Promise<PlannedPageRecord>;
  readonly chunk: (leadIds: string[]) => DomainEvent;
  readonly nextPage: (cursor: string) => DomainEvent;
}): Promise<{ readonly selected: number; readonly last: boolean } | 'finished'> {
  const page = await options.leads.listLeadIds(options.pageSize, options.cursor ? decodeCursor(options.cursor) : undefined);
  const selected = await options.select(page.leadIds);
  const kept = await options.pages.keep({ leadIds: selected, counted: selected.length, ...(page.cursor ? { next: encodeCursor(page.cursor) } : {}) });
  if (kept === 'finished') return kept;
  await publishFanOutPage({
    publisher: options.publisher,
    selected: kept.leadIds,
    chunkSize: options.chunkSize,
    record: () => options.record(kept.counted, !kept.next),
    chunk: options.chunk,
    ...(kept.next ? { next: options.nextPage(kept.next) } : {}),
  });
  await options.pages.finish();
  return { selected: kept.leadIds.length, last: !kept.next };
}
