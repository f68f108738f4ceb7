import { describe, expect, it } from 'vitest';
import { REPAIR_LAG_MS, ScoreBandRefiling, type BandRefilePort } from '../../src/app/leads-by-score';
import { SalesFeedbackUseCases } from '../../src/app/sales-feedback';
import { StageChanges } from '../../src/app/stage-changes';
import { InvalidInput, NotFound, Unavailable } from '../../src/domain/errors';
import { DetailType } from '../../src/domain/events';
import { scoringView, type Lead } from '../../src/domain/lead';
import { bandOf, bandUpperBound } from '../../src/domain/score-order';
import { apply, scoreAt, scoreCeiling } from '../../src/domain/scoring/engine';
import { starterRuleset } from '../../src/domain/scoring/starter-ruleset';
import { mqlLead } from './fixtures';
import { MemoryLeads, MemoryLog, MemoryPublisher } from './in-memory';
import { MemoryLifecycle } from './in-memory-lifecycle';

class Throttled extends Error {}

const rulesets = { get: async (version: string) => (version === starterRuleset.version ? { ruleset: starterRuleset } : undefined) };

/** The score bands of the memory leads: each lead's band by id, filed anew as the real index does (both versions checked). */
function memoryBandRefile(leads: MemoryLeads) {
  const bands = new Map<string, number>();
  const port: BandRefilePort = {
    bandedLead: async (leadId) => {
      const lead = leads.leads.get(leadId);
      const band = bands.get(leadId);
      return lead ? { lead, ...(band === undefined ? {} : { band }) } : undefined;
    },
    refile: async (leadId, leadVersion, scoreVersion, band) => {
      const lead = leads.leads.get(leadId);
      if (lead?.version !== leadVersion || lead.scoreVersion !== scoreVersion) return false;
      bands.set(leadId, band);
      return true;
    },
  };
  return { bands, port, refiling: new ScoreBandRefiling(port, rulesets) };
}

function setUp(lead: Lead = mqlLead) {
  const leads = new MemoryLeads();
  leads.put(lead);
  const lifecycle = new MemoryLifecycle(leads);
  const publisher = new MemoryPublisher();
  const log = new MemoryLog();
  const scoreBands = memoryBandRefile(leads);
  const useCases = new SalesFeedbackUseCases({
    scoreBands: scoreBands.refiling,
    stageChanges: new StageChanges({ leads, lifecycle, publisher, logger: log }),
    reasons: lifecycle,
    emails: lifecycle,
    publisher,
    log,
    throttled: (error) => error instanceof Throttled,
  });
  return { leads, lifecycle, publisher, log, useCases, bands: scoreBands.bands };
}

describe('sales feedback', () => {
  it('moves an accepted mql to sql and announces the stage change', async () => {
    const { useCases, leads, publisher } = setUp();
    const result = await useCases.giveFeedback('lead-1', { action: 'accept', actor: 'ana' }, 'c-1');
    expect(result).toMatchObject({ outcome: 'recorded', recorded: { leadId: 'lead-1', stage: 'sql', transition: { from: 'mql', to: 'sql', cause: 'accepted', actor: 'ana' } } });
    expect(leads.leads.get('lead-1')?.stage).toBe('sql');
    expect(publisher.of(DetailType.LeadStageChanged)).toMatchObject([{ leadId: 'lead-1', from: 'mql', to: 'sql' }]);
  });

  it('records the deal of a won lead', async () => {
    const { useCases, lifecycle } = setUp({ ...mqlLead, stage: 'opportunity' });
    const result = await useCases.giveFeedback('lead-1', { action: 'won', reason: 'price', amount: 1200, currency: 'USD', billingFrequency: 'yearly', actor: 'ana' }, 'c-1');
    expect(result).toMatchObject({ outcome: 'recorded', recorded: { stage: 'customer', deal: { amount: 1200, currency: 'USD', billingFrequency: 'yearly' } } });
    expect(lifecycle.changes[0]?.deal).toEqual({ amount: 1200, currency: 'USD', billingFrequency: 'yearly' });
  });

  it('refuses a reason that is not on the list, naming the field and the allowed reasons', async () => {
    const { useCases, lifecycle } = setUp();
    lifecycle.reasons = { reject: [{ code: 'no_budget', label: 'No budget' }], won: [{ code: 'price', label: 'Price' }], lost: [{ code: 'price', label: 'Price' }] };
    const refused = useCases.giveFeedback('lead-1', { action: 'reject', reason: 'bad_timing', actor: 'ana' }, 'c-1');
    await expect(refused).rejects.toBeInstanceOf(InvalidInput);
    await expect(refused).rejects.toMatchObject({ message: 'Invalid request: reason must be one of the reject reasons: no_budget', issues: [{ field: 'reason' }] });
    expect(lifecycle.changes).toEqual([]);
  });

  it('returns the refusal of a change the transition table does not allow', async () => {
    const { useCases, lifecycle } = setUp({ ...mqlLead, stage: 'customer' });
    const result = await useCases.giveFeedback('lead-1', { action: 'accept', actor: 'ana' }, 'c-1');
    expect(result).toMatchObject({ outcome: 'refused', refusal: { from: 'customer', to: 'sql' } });
    expect(lifecycle.changes).toEqual([]);
  });

  it('answers NotFound for an unknown lead', async () => {
    const { useCases } = setUp();
    await expect(useCases.giveFeedback('lead-2', { action: 'accept', actor: 'ana' }, 'c-1')).rejects.toEqual(new NotFound('No lead with id lead-2'));
  });

  it('asks for a repeat when the table throttles', async () => {
    const { useCases, lifecycle } = setUp();
    lifecycle.faults.fail('apply', new Throttled('slow down'));
    const busy = useCases.giveFeedback('lead-1', { action: 'accept', actor: 'ana' }, 'c-1');
    await expect(busy).rejects.toBeInstanceOf(Unavailable);
    await expect(busy).rejects.toMatchObject({ message: 'Lead lead-1 is changing; nothing was recorded; repeat the same request', retryAfterSeconds: 2 });
  });

  it('keeps the reason lists a team saves', async () => {
    const { useCases } = setUp();
    const reasons = { reject: [{ code: 'spam', label: 'Spam' }], won: [{ code: 'price', label: 'Price' }], lost: [{ code: 'price', label: 'Price', never: true }] };
    expect(await useCases.replaceSalesReasons(reasons)).toEqual(reasons);
    expect(await useCases.salesReasons()).toEqual(reasons);
  });
});

describe('CRM updates', () => {
  it('applies updates oldest first, once per update id, and announces contact changes', async () => {
    const { useCases, lifecycle, leads, publisher } = setUp();
    lifecycle.emails.set('jane@example.com', 'lead-1');
    const updates = [
      { updateId: 'u2', occurredAt: '2026-11-22T11:00:00.000Z', leadId: 'lead-1', stage: 'opportunity' as const },
      { updateId: 'u1', occurredAt: '2026-11-22T10:00:00.000Z', email: 'jane@example.com', stage: 'sql' as const, contact: { phone: '+62 21 555' } },
    ];
    expect(await useCases.applyCrmUpdates(updates, 'c-1')).toEqual([
      { updateId: 'u2', status: 'applied', leadId: 'lead-1', stage: 'opportunity' },
      { updateId: 'u1', status: 'applied', leadId: 'lead-1', stage: 'sql' },
    ]);
    expect(leads.leads.get('lead-1')).toMatchObject({ stage: 'opportunity', phone: '+62 21 555' });
    expect(publisher.of(DetailType.LeadContactChanged)).toMatchObject([{ leadId: 'lead-1', changeId: 'crm:u1', fields: ['phone'], source: 'crm' }]);

    const repeated = await useCases.applyCrmUpdates(updates, 'c-2');
    expect(repeated.map((result) => result.status)).toEqual(['duplicate', 'duplicate']);
    // A repeat announces again, which is how a request whose announcement failed is finished.
    expect(publisher.of(DetailType.LeadContactChanged)).toHaveLength(2);
  });

  it('files the lead anew under the score band of its new profile when a CRM update changes its role, so the sorted list shows it in its place', async () => {
    const intern = { ...mqlLead, role: 'Intern', industry: 'SaaS', teamSize: 120 };
    const event = { id: 'e-1', type: 'page_view', occurredAt: '2026-11-20T10:00:00.000Z', properties: { url: 'https://example.com/pricing' } };
    const score = apply(undefined, { event, lead: scoringView(intern) }, starterRuleset).state;
    const bandOver = (lead: Lead) => bandOf(scoreCeiling(score, scoringView(lead), starterRuleset, new Date(Date.now() - REPAIR_LAG_MS).toISOString()));
    const { useCases, leads, bands } = setUp({ ...intern, score, scoreVersion: 4 } as Lead);
    bands.set('lead-1', bandOver(intern));

    expect(await useCases.applyCrmUpdates([{ updateId: 'u1', occurredAt: '2026-11-22T10:00:00.000Z', leadId: 'lead-1', contact: { role: 'VP Marketing' } }], 'c-1')).toMatchObject([{ status: 'applied' }]);
    const promoted = leads.leads.get('lead-1') as Lead;
    expect(promoted.role).toBe('VP Marketing');
    expect(bandOver(promoted)).toBeGreaterThan(bandOver(intern));
    expect(bands.get('lead-1')).toBe(bandOver(promoted));
    // The lead now scores below the upper bound of its band: no unread lead of the list can pass it.
    expect(scoreAt(score, scoringView(promoted), starterRuleset, new Date().toISOString()).total).toBeLessThan(bandUpperBound(bands.get('lead-1') as number));

    // A stage-only update changes no fit: the band stays.
    bands.set('lead-1', 0);
    await useCases.applyCrmUpdates([{ updateId: 'u2', occurredAt: '2026-11-22T11:00:00.000Z', leadId: 'lead-1', stage: 'sql' }], 'c-2');
    expect(bands.get('lead-1')).toBe(0);
  });

  it('asks for a repeat when the lead keeps changing while its band is filed anew, and the repeat files it', async () => {
    const event = { id: 'e-1', type: 'page_view', occurredAt: '2026-11-20T10:00:00.000Z', properties: { url: 'https://example.com/pricing' } };
    const lead = { ...mqlLead, role: 'Intern', score: apply(undefined, { event, lead: scoringView(mqlLead) }, starterRuleset).state, scoreVersion: 1 } as Lead;
    const leads = new MemoryLeads();
    leads.put(lead);
    const lifecycle = new MemoryLifecycle(leads);
    const publisher = new MemoryPublisher();
    const { bands, port } = memoryBandRefile(leads);
    let busy = true;
    const useCases = new SalesFeedbackUseCases({
      stageChanges: new StageChanges({ leads, lifecycle, publisher, logger: new MemoryLog() }),
      reasons: lifecycle,
      emails: lifecycle,
      publisher,
      log: new MemoryLog(),
      throttled: () => false,
      scoreBands: new ScoreBandRefiling(
        {
          bandedLead: async (leadId) => {
            const read = leads.leads.get(leadId);
            return read ? { lead: read } : undefined;
          },
          refile: async (...args) => !busy && (await port.refile(...args)),
        },
        rulesets,
      ),
    });
    const updates = [{ updateId: 'u1', occurredAt: '2026-11-22T10:00:00.000Z', leadId: 'lead-1', contact: { role: 'VP Marketing' } }];
    await expect(useCases.applyCrmUpdates(updates, 'c-1')).rejects.toBeInstanceOf(Unavailable);
    expect(bands.has('lead-1')).toBe(false);
    busy = false;
    expect(await useCases.applyCrmUpdates(updates, 'c-2')).toMatchObject([{ status: 'duplicate' }]);
    expect(bands.get('lead-1')).toBeDefined();
  });

  describe('filing a CRM batch\'s changed leads under their new score bands', () => {
    const leadIds = Array.from({ length: 25 }, (_, index) => `lead-${String(index + 1).padStart(2, '0')}`);
    const updates = leadIds.map((leadId, index) => ({ updateId: `u${index + 1}`, occurredAt: '2026-11-22T10:00:00.000Z', leadId, contact: { role: 'VP Marketing' } }));

    /** The use cases over 25 leads, with a band index that counts the refiles in flight and refuses some leads. */
    function setUpBatch(refuse: (leadId: string) => Error | undefined = () => undefined) {
      const leads = new MemoryLeads();
      for (const leadId of leadIds) leads.put({ ...mqlLead, id: leadId, email: `${leadId}@example.com` });
      const lifecycle = new MemoryLifecycle(leads);
      const filed: string[] = [];
      const progress = { inFlight: 0, mostInFlight: 0 };
      const useCases = new SalesFeedbackUseCases({
        stageChanges: new StageChanges({ leads, lifecycle, publisher: new MemoryPublisher(), logger: new MemoryLog() }),
        reasons: lifecycle,
        emails: lifecycle,
        publisher: new MemoryPublisher(),
        log: new MemoryLog(),
        throttled: (error) => error instanceof Throttled,
        scoreBands: {
          refile: async (leadId) => {
            progress.inFlight += 1;
            progress.mostInFlight = Math.max(progress.mostInFlight, progress.inFlight);
            // A round trip: the others started meanwhile are in flight with this one.
            await new Promise<void>((resolve) => setImmediate(resolve));
            progress.inFlight -= 1;
            const refusal = refuse(leadId);
            if (refusal) throw refusal;
            filed.push(leadId);
          },
        },
      });
      return { useCases, filed, progress };
    }

    it('files them ten at a time, every one of them', async () => {
      const { useCases, filed, progress } = setUpBatch();
      expect((await useCases.applyCrmUpdates(updates, 'c-1')).map((result) => result.status)).toEqual(leadIds.map(() => 'applied'));
      expect([...filed].sort()).toEqual(leadIds);
      expect(progress.mostInFlight).toBe(10);
    });

    it('files the others when some are refused, and asks for a repeat naming every lead not filed, in the batch\'s order', async () => {
      const { useCases, filed } = setUpBatch((leadId) => (leadId === 'lead-20' || leadId === 'lead-03' ? new Throttled('Rate exceeded') : undefined));
      const refused = await useCases.applyCrmUpdates(updates, 'c-1').catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(Unavailable);
      expect((refused as Unavailable).message).toBe('Updates were applied, but leads lead-03, lead-20 are not filed under their new score bands yet; repeat the same request');
      expect([...filed].sort()).toEqual(leadIds.filter((leadId) => leadId !== 'lead-03' && leadId !== 'lead-20'));
    });

    it('answers a fault that is no busy table with the fault itself, not a repeat', async () => {
      const fault = new TypeError('band out of range');
      const { useCases } = setUpBatch((leadId) => (leadId === 'lead-07' ? fault : leadId === 'lead-02' ? new Throttled('Rate exceeded') : undefined));
      await expect(useCases.applyCrmUpdates(updates, 'c-1')).rejects.toBe(fault);
    });
  });

  it('calls an update older than the last one applied stale, and reports unknown leads and refused transitions', async () => {
    const { useCases } = setUp({ ...mqlLead, crmUpdatedAt: '2026-11-22T12:00:00.000Z' });
    const results = await useCases.applyCrmUpdates(
      [
        { updateId: 'old', occurredAt: '2026-11-22T10:00:00.000Z', leadId: 'lead-1', stage: 'sql' },
        { updateId: 'nobody', occurredAt: '2026-11-22T13:00:00.000Z', email: 'nobody@example.com', stage: 'sql' },
        { updateId: 'skip', occurredAt: '2026-11-22T13:00:00.000Z', leadId: 'lead-1', stage: 'customer' },
      ],
      'c-1',
    );
    expect(results).toMatchObject([
      { updateId: 'old', status: 'stale', leadId: 'lead-1', message: 'an update of 2026-11-22T12:00:00.000Z was applied already' },
      { updateId: 'nobody', status: 'unknown_lead', message: 'No lead with this email' },
      { updateId: 'skip', status: 'invalid_transition', leadId: 'lead-1', stage: 'mql' },
    ]);
  });

  it('keeps applied updates and asks for a repeat when the contact changes cannot be announced', async () => {
    const { useCases, publisher, leads, log } = setUp();
    publisher.faults.fail('publish');
    const updates = [{ updateId: 'u1', occurredAt: '2026-11-22T10:00:00.000Z', leadId: 'lead-1', contact: { company: 'Acme Asia' } }];
    await expect(useCases.applyCrmUpdates(updates, 'c-1')).rejects.toEqual(new Unavailable('Updates applied, but their contact changes are not announced yet; repeat the same request', 2));
    expect(leads.leads.get('lead-1')?.company).toBe('Acme Asia');
    expect(log.messages('error')).toEqual(['CRM updates applied but their contact changes not published']);
    expect(await useCases.applyCrmUpdates(updates, 'c-2')).toEqual([{ updateId: 'u1', status: 'duplicate', leadId: 'lead-1' }]);
    expect(publisher.of(DetailType.LeadContactChanged)).toMatchObject([{ changeId: 'crm:u1', fields: ['company'] }]);
  });
});
