import { describe, expect, it } from 'vitest';
import { JourneyStepActions, type JourneyStepDependencies } from '../../src/app/journey-steps';
import type { Decision } from '../../src/app/stage-changes';
import type { LifecycleStage } from '../../src/domain/handoff/lifecycle';
import type { Lead } from '../../src/domain/lead';
import { MemoryPublisher } from './in-memory';

const key = { leadId: 'lead-1', journeyId: 'j-1', run: 1, seq: 4 };
const lead = (stage: LifecycleStage, extra: Partial<Lead> = {}) =>
  ({ id: 'lead-1', email: 'ana@example.com', firstName: 'Ana', stage, subscriptions: { offers: 'opted_in' }, attributes: { plan: 'pro' }, owner: { repId: 'rep-1', teamId: 'apac', assignedAt: '2026-01-01T00:00:00Z' }, ...extra }) as Lead;

function actions(current: Lead) {
  const decisions: (Decision & { onceKey?: string })[] = [];
  const consents: unknown[] = [];
  const publisher = new MemoryPublisher();
  const deps: JourneyStepDependencies = {
    stageChanges: {
      change: async (_leadId, options, decide) => {
        const decision = decide(current, current.stage ?? 'lead', '2026-01-05T00:00:00Z');
        decisions.push({ ...decision, ...(options.onceKey ? { onceKey: options.onceKey } : {}) });
        return decision.kind === 'write' ? { outcome: 'changed', published: true } : decision.kind === 'refused' ? { outcome: 'refused', refusal: decision.refusal } : { outcome: 'unchanged', why: decision.why };
      },
    },
    consents: {
      recordConsentChange: async (...args) => {
        consents.push(args);
        return 'recorded';
      },
    },
    publisher,
  };
  return { decisions, consents, publisher, steps: new JourneyStepActions(deps) };
}

describe('journey step actions', () => {
  it('moves the stage through the transition rules once per step run, with the attributes merged', async () => {
    const { decisions, steps } = actions(lead('opportunity'));
    expect(await steps.updateLead(lead('opportunity'), { id: 'won', type: 'update_lead', stage: 'customer', attributes: { onboarded: true } }, key)).toEqual({ outcome: 'done' });
    expect(decisions[0]).toMatchObject({ kind: 'write', onceKey: 'journey:j-1:1:4', transition: { from: 'opportunity', to: 'customer', cause: 'journey', actor: 'journey:j-1' }, contact: { attributes: { plan: 'pro', onboarded: true } } });
  });

  it('skips a stage move the rules do not allow, reporting why', async () => {
    const { decisions, steps } = actions(lead('subscriber'));
    expect(await steps.updateLead(lead('subscriber'), { id: 'won', type: 'update_lead', stage: 'customer' }, key)).toEqual({ outcome: 'skipped', reason: 'stage_not_allowed' });
    expect(decisions[0]).toMatchObject({ kind: 'unchanged' });
  });

  it('records a subscription change with a consent record naming the journey', async () => {
    const { consents, steps } = actions(lead('customer'));
    await steps.updateLead(lead('customer'), { id: 'out', type: 'update_lead', subscription: { type: 'offers', status: 'opted_out' } }, key);
    expect(consents[0]).toEqual(['lead-1', { subscriptions: { offers: 'opted_out' }, records: [expect.objectContaining({ subscription: 'offers', status: 'opted_out', method: 'journey_step', consentText: 'journey j-1' })] }, 'journey:j-1:1:4']);
  });

  it('hands email and notify steps to send-journey-email, naming the version and the step run', async () => {
    const { publisher, steps } = actions(lead('customer'));
    expect(await steps.email(lead('customer'), { id: 'hello', type: 'send_email', subscription: 'offers', template: { subject: 'Hi', html: '<p>Hi</p>' } }, key, 3)).toEqual({ outcome: 'handed' });
    expect(await steps.email(lead('customer'), { id: 'tell', type: 'notify', to: 'owner', message: 'FYI' }, key, 3)).toEqual({ outcome: 'handed' });
    expect(publisher.of('journey.email-step-reached')).toEqual([
      expect.objectContaining({ correlationId: 'journey:j-1:1:4', leadId: 'lead-1', journeyId: 'j-1', journeyVersion: 3, stepId: 'hello', run: 1, seq: 4 }),
      expect.objectContaining({ journeyVersion: 3, stepId: 'tell' }),
    ]);
  });

  it("hands a webhook step to deliver-webhooks, naming the step's endpoint and its run", async () => {
    const { publisher, steps } = actions(lead('customer'));
    const webhookId = '1b4e28ba-2fa1-41d2-883f-0016d3cca427';
    expect(await steps.webhook(lead('customer'), { id: 'tell-crm', type: 'webhook', webhookId }, key)).toEqual({ outcome: 'done' });
    expect(publisher.of('journey.webhook-step-reached')).toEqual([
      expect.objectContaining({ correlationId: 'journey:j-1:1:4', webhookId, leadId: 'lead-1', journeyId: 'j-1', stepId: 'tell-crm', run: 1, seq: 4 }),
    ]);
  });
});
