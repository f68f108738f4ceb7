import type { LeadQualifiedDetail } from '../../src/domain/events';
import type { RoutingConfig } from '../../src/domain/handoff/routing';
import type { Lead } from '../../src/domain/lead';

/** The data the use-case tests share: one team of three reps with a follow-up, a lead in `mql`, its qualification. */

export const rep = (id: string, capacity = 2) => ({ id, name: `Rep ${id}`, email: `${id}@example.com`, capacity });

export const routingConfig: RoutingConfig = {
  teams: [{ id: 'apac', name: 'APAC', inbox: 'apac@example.com', reps: [rep('ana'), rep('budi'), rep('citra')] }],
  rules: [],
  defaultTeam: 'apac',
  followUp: { remindAfterMinutes: 60, reassignAfterMinutes: 240 },
};

export const mqlLead = {
  id: 'lead-1',
  email: 'jane@example.com',
  firstName: 'Jane',
  company: 'Acme',
  createdAt: '2026-11-01T00:00:00Z',
  updatedAt: '2026-11-01T00:00:00Z',
  firstTouch: { at: '2026-11-01T00:00:00Z' },
  lastTouch: { at: '2026-11-01T00:00:00Z' },
  subscriptions: {},
  stage: 'mql',
  version: 3,
} as Lead;

export const qualifiedDetail: LeadQualifiedDetail = {
  version: 1,
  correlationId: 'c-1',
  leadId: 'lead-1',
  rulesetVersion: 'starter-1',
  qualification: 2,
  fit: 65,
  engagement: 40,
  score: 105,
  grade: 'A',
  qualifiedAt: '2026-11-22T10:00:00.000Z',
  signalReceivedAt: '2026-11-22T10:00:00.000Z',
  topContributors: [{ ruleId: 'pricing-page', description: 'Pricing page view', points: 30, times: 3 }],
};
