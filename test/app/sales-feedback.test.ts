import { describe, expect, it } from 'vitest';
import { SalesFeedbackUseCases } from '../../src/app/sales-feedback';
import { StageChanges } from '../../src/app/stage-changes';
import { InvalidInput, NotFound, Unavailable } from '../../src/domain/errors';
import { DetailType } from '../../src/domain/events';
import type { Lead } from '../../src/domain/lead';
import { mqlLead } from './fixtures';
import { MemoryLeads, MemoryLog, MemoryPublisher } from './in-memory';
import { MemoryLifecycle } from './in-memory-lifecycle';

class Throttled extends Error {}

function setUp(lead: Lead = mqlLead) {
  const leads = new MemoryLeads();
  leads.put(lead);
  const lifecycle = new MemoryLifecycle(leads);
  const publisher = new MemoryPublisher();
  const log = new MemoryLog();
  const useCases = new SalesFeedbackUseCases({
    stageChanges: new StageChanges({ leads, lifecycle, publisher, logger: log }),
    reasons: lifecycle,
    emails: lifecycle,
    publisher,
    log,
    throttled: (error) => error instanceof Throttled,
  });
  return { leads, lifecycle, publisher, log, useCases };
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

  it('announces each contact change it applied, the role included, which files the lead anew under its score band; a stage-only or stale update announces none', async () => {
    const { useCases, leads, publisher } = setUp({ ...mqlLead, role: 'Intern', crmUpdatedAt: '2026-11-22T09:00:00.000Z' });
    const results = await useCases.applyCrmUpdates(
      [
        { updateId: 'u1', occurredAt: '2026-11-22T10:00:00.000Z', leadId: 'lead-1', contact: { role: 'VP Marketing' } },
        { updateId: 'u2', occurredAt: '2026-11-22T11:00:00.000Z', leadId: 'lead-1', stage: 'sql' },
        { updateId: 'u0', occurredAt: '2026-11-22T08:00:00.000Z', leadId: 'lead-1', contact: { role: 'Intern' } },
      ],
      'c-1',
    );
    expect(results.map((result) => result.status)).toEqual(['applied', 'applied', 'stale']);
    expect(leads.leads.get('lead-1')?.role).toBe('VP Marketing');
    expect(publisher.of(DetailType.LeadContactChanged)).toEqual([expect.objectContaining({ leadId: 'lead-1', changeId: 'crm:u1', fields: ['role'], source: 'crm' })]);
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
