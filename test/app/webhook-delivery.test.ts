import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DeliveryIncomplete, WebhookDelivery, type WebhookEvent } from '../../src/app/webhook-delivery';
import type { PinnedPost, SigningEndpoint } from '../../src/domain/handoff/webhooks';
import type { KeyRing } from '../../src/domain/consent/signed-token';
import type { WebhookEventType } from '../../src/domain/events';
import { webhookEventId, webhookSecret } from '../../src/domain/handoff/webhooks';
import type { Lead } from '../../src/domain/lead';
import { qualifiedDetail } from './fixtures';
import { MemoryLeads, MemoryLog, MemoryNetwork, MemoryWebhooks } from './in-memory';

const STALE_AFTER_MS = 120_000;
const ring: KeyRing = { current: 'k2', keys: { k1: 'an-older-key-that-still-verifies-0001', k2: 'the-current-signing-key-of-32-bytes!!' } };
const endpoint = (id: string, host: string, eventTypes: WebhookEventType[] = ['lead.qualified'], extra: Partial<SigningEndpoint> = {}): SigningEndpoint => ({
  id,
  url: `https://${host}/hooks/leadflow`,
  eventTypes,
  secretRef: { kid: 'k1', nonce: `nonce-${id}` },
  createdAt: '2026-11-20T00:00:00Z',
  ...extra,
});
const qualified = (busEventId = 'bus-1'): WebhookEvent => ({ busEventId, type: 'lead.qualified', time: '2026-11-22T10:00:01Z', detail: qualifiedDetail });
const contactChanged: WebhookEvent = {
  busEventId: 'bus-2',
  type: 'lead.contact-changed',
  time: '2026-11-22T10:00:01Z',
  detail: { version: 1, correlationId: 'c-2', leadId: 'lead-1', changeId: 'form-1', fields: ['phone'], at: '2026-11-22T10:00:00.500Z', source: 'form' },
};

let webhooks: MemoryWebhooks;
let network: MemoryNetwork;
let leads: MemoryLeads;
let log: MemoryLog;
let delivery: WebhookDelivery;

const verified = (request: PinnedPost | undefined, secret: string) => {
  const headers = Object.fromEntries(Object.entries(request?.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]));
  return new Webhook(secret).verify(request?.body ?? '', headers);
};
const incomplete = async (event: WebhookEvent): Promise<DeliveryIncomplete> => {
  const error = await delivery.deliver(event).then(
    () => undefined,
    (failure: unknown) => failure,
  );
  if (!(error instanceof DeliveryIncomplete)) throw new Error(`expected an incomplete delivery, got ${String(error)}`);
  return error;
};

beforeEach(() => {
  webhooks = new MemoryWebhooks(STALE_AFTER_MS);
  webhooks.endpoints.push(endpoint('crm', 'crm.example.com'), endpoint('chat', 'chat.example.com'), endpoint('other', 'other.example.com', ['lead.assigned']));
  network = new MemoryNetwork();
  for (const host of ['crm.example.com', 'chat.example.com', 'other.example.com']) network.dns.set(host, ['93.184.216.34']);
  leads = new MemoryLeads();
  log = new MemoryLog();
  delivery = new WebhookDelivery({ webhooks, leads, network, keyRing: async () => ring, log, allowLoopback: false });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('delivering an event', () => {
  it('posts it once to each endpoint subscribed to its type, signed with the secret each endpoint was shown', async () => {
    await delivery.deliver(qualified());

    expect(network.posted.map((request) => request.url.hostname).sort()).toEqual(['chat.example.com', 'crm.example.com']);
    const [request] = network.postsTo('crm.example.com');
    expect(request?.addresses).toEqual(['93.184.216.34']);
    const body = verified(request, webhookSecret(ring, { kid: 'k1', nonce: 'nonce-crm' }, 'crm'));
    expect(body).toMatchObject({ type: 'lead.qualified', occurredAt: qualifiedDetail.qualifiedAt, data: qualifiedDetail });
    expect(webhooks.deliveries.get(MemoryWebhooks.id('crm', request?.headers['webhook-id'] ?? ''))).toMatchObject({ status: 'delivered', responseStatus: 200 });
  });

  it('posts nothing again for a redelivery, or for another bus event of the same qualification', async () => {
    await delivery.deliver(qualified('bus-1'));
    await delivery.deliver(qualified('bus-1'));
    await delivery.deliver(qualified('bus-9'));

    expect(network.posted).toHaveLength(2);
  });

  it('signs with a rotated-out secret too while its overlap lasts', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.parse('2026-11-22T10:00:05Z'));
    const previous = { kid: 'k1', nonce: 'nonce-old', until: '2026-11-23T00:00:00Z' };
    webhooks.endpoints.splice(0, webhooks.endpoints.length, endpoint('crm', 'crm.example.com', ['lead.qualified'], { secretRef: { kid: 'k2', nonce: 'nonce-new' }, previousSecretRef: previous }));
    await delivery.deliver(qualified());

    const [request] = network.posted;
    expect(request?.headers['webhook-signature']?.split(' ')).toHaveLength(2);
    expect(verified(request, webhookSecret(ring, previous, 'crm'))).toMatchObject({ type: 'lead.qualified' });
    expect(verified(request, webhookSecret(ring, { kid: 'k2', nonce: 'nonce-new' }, 'crm'))).toMatchObject({ type: 'lead.qualified' });
  });

  it('sends a contact change with the contact as it is now, and nothing for a lead since erased', async () => {
    webhooks.endpoints.push(endpoint('sync', 'crm.example.com', ['lead.contact-changed']));
    await delivery.deliver(contactChanged);
    expect(network.posted).toEqual([]);
    expect(log.messages('info')).toContain('Lead no longer exists; event not delivered');

    leads.put({ id: 'lead-1', email: 'jane@example.com', phone: '+44 20 7946 0000', version: 1 } as Lead);
    await delivery.deliver(contactChanged);
    const body = JSON.parse(network.posted[0]?.body ?? '{}') as { occurredAt: string; data: { contact: Record<string, unknown> } };
    expect(body.occurredAt).toBe('2026-11-22T10:00:00.500Z');
    expect(body.data.contact).toMatchObject({ email: 'jane@example.com', phone: '+44 20 7946 0000' });
  });
});

describe("a journey's webhook step", () => {
  const stepReached = (busEventId: string): WebhookEvent => ({
    busEventId,
    type: 'journey.webhook-step-reached',
    time: '2026-11-22T10:00:01Z',
    detail: { version: 1, correlationId: 'journey:welcome:1:3', webhookId: 'other', leadId: 'lead-1', journeyId: 'welcome', stepId: 'tell-crm', run: 1, seq: 3, at: '2026-11-22T10:00:00Z' },
  });

  it('posts to the endpoint the step names only, signed, with the contact, once per step run', async () => {
    leads.put({ id: 'lead-1', email: 'jane@example.com', version: 1 } as Lead);
    await delivery.deliver(stepReached('bus-1'));
    await delivery.deliver(stepReached('bus-2'));

    expect(network.posted.map((request) => request.url.hostname)).toEqual(['other.example.com']);
    const body = verified(network.posted[0], webhookSecret(ring, { kid: 'k1', nonce: 'nonce-other' }, 'other')) as { type: string; data: Record<string, unknown> };
    expect(body).toMatchObject({ type: 'journey.webhook-step-reached', data: { journeyId: 'welcome', stepId: 'tell-crm', contact: { email: 'jane@example.com' } } });
  });

  it("refuses the step's endpoint when its name leads into a private network", async () => {
    leads.put({ id: 'lead-1', email: 'jane@example.com', version: 1 } as Lead);
    network.dns.set('other.example.com', ['169.254.169.254']);
    await delivery.deliver(stepReached('bus-1'));
    expect(network.posted).toEqual([]);
    expect(log.messages('error')).toEqual(['Webhook target refused; the event is not delivered to it']);
  });
});

describe('failures', () => {
  it('retries after a backoff only the endpoints that failed, their claims given back', async () => {
    network.answers.set('chat.example.com', () => 503);
    const error = await incomplete(qualified());
    expect(error.retry).toBe('after-backoff');
    expect(error.message).toBe('DeliveryFailed: webhook chat answered 503');
    expect(webhooks.deliveries.get(MemoryWebhooks.id('chat', error.eventId))).toBeUndefined();

    network.answers.delete('chat.example.com');
    await delivery.deliver(qualified());
    expect(network.postsTo('crm.example.com')).toHaveLength(1);
    expect(network.postsTo('chat.example.com')).toHaveLength(2);
  });

  it('retries after a backoff an endpoint whose name does not resolve or whose connection fails', async () => {
    network.dns.delete('chat.example.com');
    network.answers.set('crm.example.com', () => {
      throw new Error('socket hang up');
    });
    const error = await incomplete(qualified());

    expect(error.retry).toBe('after-backoff');
    expect(error.message).toContain('webhook chat: Error: getaddrinfo ENOTFOUND chat.example.com');
    expect(error.message).toContain('webhook crm: Error: socket hang up');
  });

  it('refuses, once and for good, an endpoint whose name now leads into a private network', async () => {
    network.dns.set('chat.example.com', ['10.0.0.7']);
    await delivery.deliver(qualified());
    await delivery.deliver(qualified());

    expect(network.postsTo('chat.example.com')).toEqual([]);
    expect(network.postsTo('crm.example.com')).toHaveLength(1);
    expect([...webhooks.deliveries.values()].filter((record) => record.status === 'refused')).toHaveLength(1);
    expect(log.messages('error')).toEqual(['Webhook target refused; the event is not delivered to it']);
  });

  it('waits for a delivery another invocation holds, and takes it over once its claim is stale', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.parse('2026-11-22T10:00:05Z'));
    await webhooks.claimDelivery('crm', webhookEventId('lead.qualified', qualifiedDetail, 'bus-1'), new Date());

    const error = await incomplete(qualified());
    expect(error.retry).toBe('when-claims-stale');
    expect(network.postsTo('crm.example.com')).toEqual([]);

    vi.setSystemTime(Date.now() + STALE_AFTER_MS + 1_000);
    await delivery.deliver(qualified());
    expect(network.postsTo('crm.example.com')).toHaveLength(1);
  });

  it("leaves the record to the queue's usual redelivery when the delivery records cannot be reached", async () => {
    webhooks.claimDelivery = async () => {
      throw new Error('table unavailable');
    };
    const error = await incomplete(qualified());
    expect(error.retry).toBe('on-redelivery');
    expect(network.posted).toEqual([]);
  });
});
