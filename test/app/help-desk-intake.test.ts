import { createHmac } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { HELP_DESK_SEAL_ID, HelpDeskIntake, type RequesterDirectory } from '../../src/app/help-desk-intake';
import { TicketIntake } from '../../src/app/ticket-intake';
import { TicketBatch } from '../../src/api/tickets';
import { FRESHDESK_SIMPLE_FIELDS, FRESHDESK_WEBHOOK_BODY, ZENDESK_HEADERS } from '../../src/domain/care/help-desk';
import type { HelpDeskKind } from '../../src/domain/care/tickets';
import { sealSecret } from '../../src/domain/chat/sources';
import { InvalidInput, Unauthenticated } from '../../src/domain/errors';
import type { Lead } from '../../src/domain/lead';
import { MemoryLeads, MemoryLog, MemoryPublisher } from './in-memory';
import { KEY_RING, MemoryCare } from './in-memory-care';

const NOW = new Date('2026-11-24T12:00:00.000Z');
const SECRET = 'dGhlIGhlbHAgZGVzayBzaWduaW5nIHNlY3JldA==';
const ana: Lead = {
  id: 'lead-1',
  email: 'ana@example.com',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  firstTouch: { at: '2026-01-01T00:00:00.000Z' },
  lastTouch: { at: '2026-01-01T00:00:00.000Z' },
  subscriptions: {},
  stage: 'customer',
  version: 1,
};

class MemoryRequesters implements RequesterDirectory {
  readonly known = new Map<string, string>();
  async leadIdForRequester(kind: HelpDeskKind, requesterId: string) {
    return this.known.get(`${kind}#${requesterId}`);
  }
  async rememberRequester(kind: HelpDeskKind, requesterId: string, leadId: string) {
    this.known.set(`${kind}#${requesterId}`, leadId);
  }
}

let care: MemoryCare;
let requesters: MemoryRequesters;
const intakeFor = (kind: HelpDeskKind) => {
  const leads = new MemoryLeads();
  leads.put(ana);
  care = new MemoryCare(leads);
  const log = new MemoryLog();
  return new HelpDeskIntake({
    helpDesk: { helpDesk: async () => ({ kind, secret: sealSecret(KEY_RING, HELP_DESK_SEAL_ID, SECRET) }) },
    keyRing: async () => KEY_RING,
    requesters,
    tickets: new TicketIntake({ leads, emails: { leadIdForEmail: async (email) => (email === ana.email ? ana.id : undefined) }, ledger: care, publisher: new MemoryPublisher(), isThrottling: () => false, log }),
    genericBody: TicketBatch,
  });
};

/** Zendesk's signature: base64 HMAC-SHA256 of the timestamp followed by the body. */
const zendeskSigned = (body: string) => {
  const timestamp = NOW.toISOString();
  return { [ZENDESK_HEADERS.signature]: createHmac('sha256', SECRET).update(timestamp + body).digest('base64'), [ZENDESK_HEADERS.timestamp]: timestamp };
};

/** A Zendesk ticket event as its event webhooks post it (shape of developer.zendesk.com's ticket events reference). */
const zendeskEvent = (type: string, detail: Record<string, unknown>) =>
  JSON.stringify({
    type,
    account_id: 88888888,
    id: '01HNXXXXCTEXAMPLE',
    time: '2026-11-24T11:59:58Z',
    zendesk_event_version: '2022-11-06',
    subject: 'zen:ticket:35436',
    detail: {
      actor_id: '9873843',
      assignee_id: '235323',
      brand_id: '360001',
      created_at: '2026-11-20T10:00:00Z',
      custom_status: '18',
      description: 'The invoice is wrong',
      external_id: null,
      form_id: '360002',
      group_id: '98738',
      id: '35436',
      is_public: true,
      organization_id: '509974',
      priority: 'HIGH',
      requester_id: '20978392',
      status: 'OPEN',
      subject: 'Billing',
      submitter_id: '20978392',
      tags: ['billing', 'refund'],
      type: 'PROBLEM',
      updated_at: '2026-11-24T11:59:58Z',
      via: { channel: 'web_form' },
      ...detail,
    },
    event: { current: 'OPEN', previous: 'NEW' },
  });

beforeEach(() => {
  requesters = new MemoryRequesters();
});

describe('Zendesk ticket events (requester by Zendesk id)', () => {
  it('records a ticket event for the lead its requester id was learned for from a trigger delivery', async () => {
    const intake = intakeFor('zendesk');
    const trigger = JSON.stringify({
      ticket: { id: '35000', status: 'Solved', priority: 'Normal', type: '', tags: 'onboarding', created_at: '2026-11-01T09:00:00Z', updated_at: '2026-11-02T09:00:00Z', requester: { id: '20978392', email: 'Ana@Example.com' } },
    });
    expect((await intake.take(zendeskSigned(trigger), trigger, 'c1', NOW)).tickets).toMatchObject([{ status: 'recorded', leadId: ana.id }]);
    expect(requesters.known.get('zendesk#20978392')).toBe(ana.id);

    const body = zendeskEvent('zen:event-type:ticket.status_changed', {});
    const delivery = await intake.take(zendeskSigned(body), body, 'c2', NOW);
    expect(delivery).toMatchObject({ outcome: 'recorded', tickets: [{ ticketId: '35436', status: 'recorded', leadId: ana.id }] });
    expect(await care.get(ana.id, '35436')).toMatchObject({ status: 'open', priority: 'high', topic: 'problem', openedAt: '2026-11-20T10:00:00.000Z', updatedAt: '2026-11-24T11:59:58.000Z' });
  });

  it('ignores (202) a ticket event whose requester no lead is known as, saying how to map it, and keeps nothing', async () => {
    const intake = intakeFor('zendesk');
    const body = zendeskEvent('zen:event-type:ticket.created', {});
    const delivery = await intake.take(zendeskSigned(body), body, 'c', NOW);
    expect(delivery.outcome).toBe('ignored');
    expect(delivery.tickets).toMatchObject([{ ticketId: '35436', status: 'unknown_lead' }]);
    expect(delivery.outcome === 'ignored' && delivery.reason).toContain('requester 20978392');
    expect(care.tickets.size).toBe(0);
  });

  it('records the event once the requester is mapped, and ignores non-ticket events and deletions', async () => {
    const intake = intakeFor('zendesk');
    await requesters.rememberRequester('zendesk', '20978392', ana.id);
    const solved = zendeskEvent('zen:event-type:ticket.status_changed', { status: 'SOLVED', updated_at: '2026-11-24T11:59:59Z' });
    expect((await intake.take(zendeskSigned(solved), solved, 'c', NOW)).tickets).toMatchObject([{ status: 'recorded' }]);
    expect(await care.get(ana.id, '35436')).toMatchObject({ status: 'solved', resolvedAt: '2026-11-24T11:59:59.000Z' });
    for (const type of ['zen:event-type:user.active_changed', 'zen:event-type:ticket.soft_deleted']) {
      const body = zendeskEvent(type, {});
      expect((await intake.take(zendeskSigned(body), body, 'c', NOW)).outcome, type).toBe('ignored');
    }
  });

  it('refuses a ticket event without its requester id or with an unknown status, naming the field', async () => {
    const intake = intakeFor('zendesk');
    for (const [detail, field] of [
      [{ requester_id: undefined }, 'detail.requester_id'],
      [{ status: 'ARCHIVED' }, 'detail.status'],
      [{ updated_at: 'yesterday' }, 'detail.updated_at'],
    ] as const) {
      const body = zendeskEvent('zen:event-type:ticket.created', detail);
      const refusal = await intake.take(zendeskSigned(body), body, 'c', NOW).catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(InvalidInput);
      expect((refusal as InvalidInput).issues.map((issue) => issue.field)).toContain(field);
    }
  });
});

describe('Freshdesk automation webhooks', () => {
  const basic = (user: string, password: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` });
  /** FRESHDESK_WEBHOOK_BODY with its placeholders as Freshdesk fills them in. */
  const delivery = (ticket: Record<string, unknown> = {}) =>
    JSON.stringify({ ticket: { id: '1042', status: 'Open', priority: 'Urgent', type: 'Incident', tags: 'outage, api', requester: { email: 'ana@example.com' }, ...ticket } });

  it('prints a body of Freshdesk placeholders', () => {
    expect(JSON.stringify(FRESHDESK_WEBHOOK_BODY)).toContain('{{ticket.requester.email}}');
  });

  it('records a ticket sent with the secret as the Basic password (or as the username, API-key style), dated on arrival', async () => {
    const intake = intakeFor('freshdesk');
    const body = delivery();
    expect((await intake.take(basic('leadflow', SECRET), body, 'c', NOW)).tickets).toMatchObject([{ ticketId: '1042', status: 'recorded', leadId: ana.id }]);
    expect(await care.get(ana.id, '1042')).toMatchObject({ status: 'open', priority: 'urgent', topic: 'incident', openedAt: NOW.toISOString(), updatedAt: NOW.toISOString() });

    const later = new Date(NOW.getTime() + 3_600_000);
    const resolved = delivery({ status: 'Resolved' });
    expect((await intake.take(basic(SECRET, 'X'), resolved, 'c', later)).tickets).toMatchObject([{ status: 'recorded' }]);
    // The opening time stays the first delivery's; resolved after an hour.
    expect(await care.get(ana.id, '1042')).toMatchObject({ status: 'solved', openedAt: NOW.toISOString(), resolvedAt: later.toISOString() });
  });

  it.each([
    ['no credentials', {}],
    ['a wrong password', basic('leadflow', 'not the secret')],
    ['a bearer token', { authorization: `Bearer ${SECRET}` }],
  ])('refuses %s with 401 naming the authorization header, keeping nothing', async (_case, headers) => {
    const intake = intakeFor('freshdesk');
    const refusal = await intake.take(headers, delivery(), 'c', NOW).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(Unauthenticated);
    expect(care.tickets.size).toBe(0);
  });

  it('maps Freshdesk status and priority names and API codes; a custom status is open', async () => {
    const intake = intakeFor('freshdesk');
    const cases = [
      [{ status: 'Waiting on Customer', priority: 'Medium' }, { status: 'pending', priority: 'normal' }],
      [{ status: 5, priority: 1 }, { status: 'closed', priority: 'low' }],
      [{ status: 'Escalated to billing' }, { status: 'open' }],
    ] as const;
    for (const [index, [fields, kept]] of cases.entries()) {
      await intake.take(basic('leadflow', SECRET), delivery({ id: `T-${index}`, ...fields }), 'c', NOW);
      expect(await care.get(ana.id, `T-${index}`)).toMatchObject(kept);
    }
  });

  it('refuses a body without the requester address or ticket id with 400 naming the field', async () => {
    const intake = intakeFor('freshdesk');
    for (const [ticket, field] of [
      [{ requester: { email: 'not an address' } }, 'ticket.requester.email'],
      [{ id: undefined }, 'ticket.id'],
    ] as const) {
      const refusal = await intake.take(basic('leadflow', SECRET), delivery(ticket), 'c', NOW).catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(InvalidInput);
      expect((refusal as InvalidInput).issues.map((issue) => issue.field)).toContain(field);
    }
  });

  describe('Content "Simple": the ticked fields, named after their placeholders, under freshdesk_webhook', () => {
    /** The fields FRESHDESK_SIMPLE_FIELDS names, as Freshdesk fills them in. */
    const fields = { ticket_id: '2077', ticket_status: 'Pending', ticket_priority: 'High', ticket_ticket_type: 'Refund', ticket_tags: 'billing', ticket_contact_email: 'ana@example.com' };

    it('names the fields to tick, each a placeholder of the ticket', () => {
      expect(Object.keys(fields).sort()).toEqual([...FRESHDESK_SIMPLE_FIELDS].sort());
    });

    it('records a ticket sent as JSON (Encoding JSON)', async () => {
      const intake = intakeFor('freshdesk');
      const body = JSON.stringify({ freshdesk_webhook: fields });
      expect((await intake.take({ ...basic('leadflow', SECRET), 'content-type': 'application/json' }, body, 'c', NOW)).tickets).toMatchObject([{ ticketId: '2077', status: 'recorded', leadId: ana.id }]);
      expect(await care.get(ana.id, '2077')).toMatchObject({ status: 'pending', priority: 'high', topic: 'refund', updatedAt: NOW.toISOString() });
    });

    it('records a ticket sent as form fields (Encoding X-FORM-URLENCODED), wrapped or flat', async () => {
      const intake = intakeFor('freshdesk');
      const form = { ...basic('leadflow', SECRET), 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' };
      const wrapped = new URLSearchParams(Object.entries(fields).map(([key, value]): [string, string] => [`freshdesk_webhook[${key}]`, value])).toString();
      expect((await intake.take(form, wrapped, 'c', NOW)).tickets).toMatchObject([{ ticketId: '2077', status: 'recorded' }]);
      const flat = new URLSearchParams({ ...fields, ticket_id: '2078', ticket_status: 'Closed' }).toString();
      expect((await intake.take(form, flat, 'c', NOW)).tickets).toMatchObject([{ ticketId: '2078', status: 'recorded' }]);
      expect(await care.get(ana.id, '2078')).toMatchObject({ status: 'closed' });
    });

    it('refuses fields without the requester address with 400 naming it, and the XML encoding saying what to choose', async () => {
      const intake = intakeFor('freshdesk');
      const { ticket_contact_email: _, ...withoutEmail } = fields;
      const missing = await intake.take(basic('leadflow', SECRET), JSON.stringify({ freshdesk_webhook: withoutEmail }), 'c', NOW).catch((error: unknown) => error);
      expect((missing as InvalidInput).issues.map((issue) => issue.field)).toEqual(['ticket_contact_email']);
      const xml = await intake.take({ ...basic('leadflow', SECRET), 'content-type': 'application/xml' }, '<freshdesk_webhook><ticket_id>1</ticket_id></freshdesk_webhook>', 'c', NOW).catch((error: unknown) => error);
      expect((xml as InvalidInput).issues).toEqual([{ field: 'body', message: expect.stringContaining('X-FORM-URLENCODED') }]);
      expect(care.tickets.size).toBe(0);
    });

    it('keeps a field named __proto__ a field, changing nothing', async () => {
      const intake = intakeFor('freshdesk');
      const hostile = '{"freshdesk_webhook":{"__proto__":{"ticket_id":"1","ticket_status":"Open","ticket_contact_email":"ana@example.com"}}}';
      const refusal = await intake.take(basic('leadflow', SECRET), hostile, 'c', NOW).catch((error: unknown) => error);
      expect(refusal).toBeInstanceOf(InvalidInput);
      expect(care.tickets.size).toBe(0);
    });
  });

  describe('replays, when Freshdesk fills {{ticket.updated_at}}', () => {
    const minutes = (count: number) => new Date(NOW.getTime() + count * 60_000).toISOString();

    it('prints a body asking for the ticket update time', () => {
      expect(FRESHDESK_WEBHOOK_BODY.ticket.updated_at).toBe('{{ticket.updated_at}}');
    });

    it("orders updates by Freshdesk's time: an older one arriving later changes nothing", async () => {
      const intake = intakeFor('freshdesk');
      await intake.take(basic('leadflow', SECRET), delivery({ status: 'Resolved', updated_at: minutes(-5) }), 'c', NOW);
      const older = await intake.take(basic('leadflow', SECRET), delivery({ status: 'Open', updated_at: minutes(-20) }), 'c', NOW);
      expect(older.tickets).toMatchObject([{ status: 'stale' }]);
      expect(await care.get(ana.id, '1042')).toMatchObject({ status: 'solved', updatedAt: minutes(-5) });
    });

    it('ignores a delivery older than the hour, and refuses a time ahead of the clock, keeping nothing', async () => {
      const intake = intakeFor('freshdesk');
      const replay = await intake.take(basic('leadflow', SECRET), delivery({ updated_at: minutes(-61) }), 'c', NOW);
      expect(replay).toMatchObject({ outcome: 'ignored', reason: expect.stringContaining('replayed'), tickets: [] });
      const ahead = await intake.take(basic('leadflow', SECRET), delivery({ updated_at: minutes(30) }), 'c', NOW).catch((error: unknown) => error);
      expect((ahead as InvalidInput).issues.map((issue) => issue.field)).toEqual(['ticket.updated_at']);
      const simpleAhead = await intake
        .take(basic('leadflow', SECRET), JSON.stringify({ freshdesk_webhook: { ticket_id: '9', ticket_status: 'Open', ticket_contact_email: 'ana@example.com', ticket_updated_at: minutes(30) } }), 'c', NOW)
        .catch((error: unknown) => error);
      expect((simpleAhead as InvalidInput).issues.map((issue) => issue.field)).toEqual(['ticket_updated_at']);
      expect(care.tickets.size).toBe(0);
    });

    it('dates a delivery on arrival when the placeholder arrives empty or unfilled, and refuses a time it cannot read', async () => {
      const intake = intakeFor('freshdesk');
      await intake.take(basic('leadflow', SECRET), delivery({ id: 'A', updated_at: '' }), 'c', NOW);
      await intake.take(basic('leadflow', SECRET), delivery({ id: 'B', updated_at: '{{ticket.updated_at}}' }), 'c', NOW);
      expect([await care.get(ana.id, 'A'), await care.get(ana.id, 'B')].map((ticket) => ticket?.updatedAt)).toEqual([NOW.toISOString(), NOW.toISOString()]);
      const garbled = await intake.take(basic('leadflow', SECRET), delivery({ id: 'C', updated_at: 'yesterday-ish' }), 'c', NOW).catch((error: unknown) => error);
      expect((garbled as InvalidInput).issues.map((issue) => issue.field)).toEqual(['ticket.updated_at']);
    });
  });
});
