import type { EventPublisher } from './adapters/event-publisher';
import { decodeCursor, encodeCursor, type LeadStore } from './adapters/lead-store';
import type { DomainEvent } from './domain/events';

/**
 * One page of a fan-out over every lead (rescoring, campaign planning): lists the next page from the
 * cursor, keeps the leads `select` returns, counts them with `record`, and publishes them in small
 * events followed by the request for the next page. A retried page publishes again; the consumers of
 * the chunks are idempotent, and `record` counts each page once.
 */
export async function fanOutLeadPage(options: {
  readonly leads: LeadStore;
  readonly publisher: EventPublisher;
  readonly cursor?: string;
  readonly pageSize: number;
  readonly chunkSize: number;
  readonly select: (leadIds: readonly string[]) => Promise<readonly string[]>;
  readonly record: (selected: number, last: boolean) => Promise<unknown>;
  readonly chunk: (leadIds: string[]) => DomainEvent;
  readonly nextPage: (cursor: string) => DomainEvent;
}): Promise<{ readonly selected: number; readonly last: boolean }> {
  const page = await options.leads.listLeadIds(options.pageSize, options.cursor ? decodeCursor(options.cursor) : undefined);
  const selected = await options.select(page.leadIds);
  await options.record(selected.length, !page.cursor);
  const events: DomainEvent[] = [];
  for (let index = 0; index < selected.length; index += options.chunkSize) events.push(options.chunk(selected.slice(index, index + options.chunkSize)));
  if (page.cursor) events.push(options.nextPage(encodeCursor(page.cursor)));
  await options.publisher.publish(events);
  return { selected: selected.length, last: !page.cursor };
}
