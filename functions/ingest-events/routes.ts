import { EventBatch, EventsAccepted } from '../../src/api/schemas';
import { defineRoute } from '../../src/http/routes';

export const sendEvents = defineRoute({
  operationId: 'sendEvents',
  method: 'POST',
  path: '/v1/events',
  summary: 'Send engagement events',
  description: 'Up to 50 events for an email or an anonymous visitor id. Each event id is recorded once; repeats are reported as duplicates.',
  request: { body: { schema: EventBatch, required: true } },
  responses: { 202: { description: 'Stored; scoring follows.', schema: EventsAccepted } },
  errors: { 409: 'An event id was already used for another event.', 503: 'Stored but not yet processed; retry the same request.' },
});

export const ingestEventsRoutes = [sendEvents] as const;
