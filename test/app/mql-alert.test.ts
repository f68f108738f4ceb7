import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AlertInProgress, MqlAlerts } from '../../src/app/mql-alert';
import { mqlLead as lead, qualifiedDetail as qualified, routingConfig } from './fixtures';
import { MemoryAlerts, MemoryLog, MemoryMailer, MemoryPublisher, MemoryRouting, MemoryScoringStore } from './in-memory';

const STALE_AFTER_MS = 120_000;

let leads: MemoryScoringStore;
let routing: MemoryRouting;
let alertRecords: MemoryAlerts;
let mailer: MemoryMailer;
let publisher: MemoryPublisher;
let log: MemoryLog;
let latencies: number[];
let alerts: MqlAlerts;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.parse('2026-11-22T10:00:02.000Z'));
  leads = new MemoryScoringStore();
  leads.put(lead);
  leads.record({ id: 'e-pricing', type: 'page_view', occurredAt: '2026-11-22T09:59:00.000Z', receivedAt: '2026-11-22T09:59:01.000Z', properties: { url: 'https://example.com/pricing' }, subject: { kind: 'lead', id: 'lead-1' } });
  routing = new MemoryRouting(routingConfig, leads);
  alertRecords = new MemoryAlerts(STALE_AFTER_MS);
  mailer = new MemoryMailer();
  publisher = new MemoryPublisher();
  log = new MemoryLog();
  latencies = [];
  alerts = new MqlAlerts({ alerts: alertRecords, leads, activity: leads, routing, mailer, publisher, latency: { record: (ms) => latencies.push(ms) }, log, salesInbox: 'sales@example.com' });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('an MQL alert', () => {
  it('gives the lead an owner and alerts that rep once, however often the qualification is delivered', async () => {
    await alerts.alert(qualified);
    await alerts.alert(qualified);

    const owner = leads.leads.get('lead-1')?.owner;
    expect(owner).toMatchObject({ teamId: 'apac' });
    expect(mailer.recipients()).toEqual([`${owner?.repId}@example.com`]);
    expect(mailer.sent[0]?.text).toContain('Pricing page view');
    expect(publisher.of('lead.assigned')).toEqual([{ version: 1, correlationId: 'c-1', leadId: 'lead-1', rulesetVersion: 'starter-1', qualification: 2, ...owner }]);
    expect(publisher.of('handoff.follow-up-requested')).toEqual([
      { version: 1, correlationId: 'c-1', leadId: 'lead-1', rulesetVersion: 'starter-1', qualification: 2, repId: owner?.repId, assignedAt: owner?.assignedAt, round: 0, remindAfterMinutes: 60, reassignAfterMinutes: 240 },
    ]);
    expect(latencies).toEqual([2_000]);
    expect(alertRecords.records.get(MemoryAlerts.id(qualified))).toMatchObject({ status: 'sent', messageId: 'message-1' });
  });

  it('sends one alert when two deliveries of the qualification run at once', async () => {
    const outcomes = await Promise.allSettled([alerts.alert(qualified), alerts.alert(qualified)]);

    expect(outcomes.map((outcome) => outcome.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(outcomes.find((outcome) => outcome.status === 'rejected')).toMatchObject({ reason: expect.any(AlertInProgress) });
    expect(mailer.sent).toHaveLength(1);
  });

  it('goes to the sales inbox without a routing configuration, and to the team inbox when every rep is full', async () => {
    routing.config = undefined;
    await alerts.alert(qualified);
    routing.config = routingConfig;
    for (const repId of ['ana', 'budi', 'citra']) routing.open.set(repId, 2);
    await alerts.alert({ ...qualified, qualification: 3 });

    expect(mailer.recipients()).toEqual(['sales@example.com', 'apac@example.com']);
    expect(leads.leads.get('lead-1')?.owner).toBeUndefined();
    expect(publisher.events).toEqual([]);
  });

  it('hands a lead that qualified again back to the owner who let it go', async () => {
    leads.put({ ...lead, owner: { repId: 'budi', teamId: 'apac', assignedAt: '2026-11-01T00:00:00Z', releasedAt: '2026-11-05T00:00:00Z' } });
    await alerts.alert(qualified);

    expect(mailer.recipients()).toEqual(['budi@example.com']);
    expect(leads.leads.get('lead-1')?.owner).toEqual({ repId: 'budi', teamId: 'apac', assignedAt: '2026-11-22T10:00:02.000Z' });
    expect(publisher.of('lead.assigned')).toEqual([]);
    expect(publisher.of('handoff.follow-up-requested')).toMatchObject([{ repId: 'budi', assignedAt: '2026-11-22T10:00:02.000Z', round: 0 }]);
  });
});

describe('failures', () => {
  it('gives the claim back when the email fails, and the retry alerts the same owner once', async () => {
    mailer.faults.fail('send');
    await expect(alerts.alert(qualified)).rejects.toThrow('send failed');
    const owner = leads.leads.get('lead-1')?.owner;
    expect(alertRecords.records.size).toBe(0);

    await alerts.alert(qualified);
    expect(mailer.recipients()).toEqual([`${owner?.repId}@example.com`]);
    expect(leads.leads.get('lead-1')?.owner).toEqual(owner);
  });

  it('waits for an alert another invocation holds, and takes it over once its claim is stale', async () => {
    await alertRecords.claim(qualified, new Date());
    await expect(alerts.alert(qualified)).rejects.toBeInstanceOf(AlertInProgress);
    expect(mailer.sent).toEqual([]);

    vi.setSystemTime(Date.now() + STALE_AFTER_MS + 1_000);
    await alerts.alert(qualified);
    expect(mailer.sent).toHaveLength(1);
  });

  it('requests the follow-up before the alert: a failed publish sends nothing, and the retry requests it and alerts once', async () => {
    publisher.faults.fail('publish');
    await expect(alerts.alert(qualified)).rejects.toThrow('publish failed');
    expect(mailer.sent).toEqual([]);
    expect(alertRecords.records.size).toBe(0);

    await alerts.alert(qualified);
    await alerts.alert(qualified);
    const owner = leads.leads.get('lead-1')?.owner;
    expect(mailer.recipients()).toEqual([`${owner?.repId}@example.com`]);
    expect(publisher.of('handoff.follow-up-requested')).toMatchObject([{ repId: owner?.repId, assignedAt: owner?.assignedAt, round: 0 }]);
    expect(log.messages('error')).toEqual([]);
  });

  it('fails, with nothing sent, for a lead that does not exist', async () => {
    leads.leads.clear();
    await expect(alerts.alert(qualified)).rejects.toThrow('Lead lead-1 not found');
    expect(mailer.sent).toEqual([]);
    expect(alertRecords.records.size).toBe(0);
  });
});
