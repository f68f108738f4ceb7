import { beforeEach, describe, expect, it } from 'vitest';
import { PartlyFailingBus } from './in-memory';
import { fanOutLeadPage, type FanOutPageKeeping, type PlannedPageRecord } from '../../src/app/lead-fan-out';
import { DetailType } from '../../src/domain/events';
import type { KeptPage } from '../../src/domain/lead-listing';

const ids = (from: number, to: number) => Array.from({ length: to - from }, (_, index) => `lead-${String(from + index).padStart(2, '0')}`);

let listing: string[];
let kept: KeptPage | 'finished' | undefined;
let counted: number | undefined;
let bus: PartlyFailingBus;

/** The job's page as the table keeps it: kept once, counted once, finished once. */
const keeping: FanOutPageKeeping = {
  keep: async (page) => (kept ??= page),
  finish: async () => {
    kept = 'finished';
  },
};
const record = async (leads: number): Promise<PlannedPageRecord> => {
  if (counted !== undefined) return 'already-recorded';
  counted = leads;
  return 'recorded';
};

/** The last page of a rescoring: every lead of the listing (60), in three messages of 25, 25 and 10. */
const lastPage = () =>
  fanOutLeadPage({
    leads: { listLeadIds: async () => ({ leadIds: [...listing] }) },
    publisher: bus,
    pageSize: 500,
    chunkSize: 25,
    select: async (leadIds) => leadIds,
    pages: keeping,
    record,
    chunk: (leadIds) => ({ detailType: DetailType.LeadsRescoreRequested, detail: { version: 1, correlationId: 'j-1', jobId: 'j-1', rulesetVersion: 'v2', leadIds } }),
    nextPage: (cursor) => ({ detailType: DetailType.RescorePageRequested, detail: { version: 1, correlationId: 'j-1', jobId: 'j-1', rulesetVersion: 'v2', page: 1, cursor } }),
  });

beforeEach(() => {
  listing = ids(0, 60);
  kept = undefined;
  counted = undefined;
  bus = new PartlyFailingBus();
});

describe('a page of a fan-out over every lead (rescoring)', () => {
  it('publishes what it counted after a publish cut off part-way, though a lead was erased before the retry', async () => {
    bus.failAfter = 1;
    await expect(lastPage()).rejects.toThrow('PutEvents failed');
    // lead-40 was in the message that never went, and is erased before the retry.
    listing = listing.filter((leadId) => leadId !== 'lead-40');
    bus.failAfter = undefined;
    expect(await lastPage()).toEqual({ selected: 60, last: true });
    // Each lead counted is published (an erased one is counted done when its rescoring finds it gone), so the job ends.
    expect(new Set(bus.of(DetailType.LeadsRescoreRequested).flatMap((detail) => detail.leadIds))).toEqual(new Set(ids(0, 60)));
    expect(counted).toBe(60);
    expect(kept).toBe('finished');
  });

  it('does nothing when its request comes again after the page was published', async () => {
    await lastPage();
    const published = bus.events.length;
    listing = [...listing, 'lead-60'];
    expect(await lastPage()).toBe('finished');
    expect(bus.events).toHaveLength(published);
    expect(counted).toBe(60);
  });
});
