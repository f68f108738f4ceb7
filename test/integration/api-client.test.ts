import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { getHandoffReport } from '../../functions/handoff-reports/routes';
import { getLead, getLeadScoreHistory } from '../../functions/get-lead/routes';
import { listLeads } from '../../functions/list-leads/routes';
import { exportLead } from '../../functions/lead-data-rights/routes';
import { enrolInJourney, getJourneyMoveAll, moveJourneyEnrolments } from '../../functions/manage-journey-enrolments/routes';
import { archiveJourney, createJourney, getJourneyReport, publishJourney } from '../../functions/manage-journeys/routes';
import { createCampaign, getCampaign, getCampaignReport, previewCampaign } from '../../functions/manage-campaigns/routes';
import { diffRuleset, getRuleset, listRulesets } from '../../functions/manage-rulesets/routes';
import { createSegment, getSegment, listSegments, previewSegment } from '../../functions/manage-segments/routes';
import { listSuppressions } from '../../functions/manage-suppressions/routes';
import { createTemplate, getTemplate, getTemplateVersion, listTemplates, previewTemplate, updateTemplate } from '../../functions/manage-templates/routes';
import { getSalesReasons } from '../../functions/sales-feedback/routes';
import { submitForm } from '../../functions/capture-form/routes';
import { ApiError, apiClient, bearerToken } from '../../src/api/client';
import type { LocalStack } from '../../local/stack';
import { sharedStack } from './shared-stack';

/**
 * The typed client against the local stack: each answer is read with its route's declared schema, so
 * an answer that drifted from its declaration fails here.
 */
let stack: LocalStack;
let client: ReturnType<typeof apiClient>;

beforeAll(async () => {
  stack = await sharedStack();
  client = apiClient({ baseUrl: stack.apiUrl, authorise: bearerToken(stack.devToken) });
});

describe('the API client on the local stack', () => {
  it('reads leads, templates, segments, campaigns, rulesets and reports as their declarations say', async () => {
    const run = randomUUID().slice(0, 8);
    const submitted = await client.call(submitForm, {
      params: { formId: 'contact' },
      headers: { 'idempotency-key': `client-${run}` },
      body: { email: `client-${run}@example.com`, firstName: 'Cleo', industry: `Client-${run}`, consent: ['newsletter'] },
    });
    const leadId = submitted.leadId ?? '';
    expect((await client.call(getLead, { params: { leadId } })).email).toBe(`client-${run}@example.com`);
    expect((await client.call(getLeadScoreHistory, { params: { leadId } })).points).toBeInstanceOf(Array);
    expect((await client.call(listLeads, { query: { q: `client-${run}@example.com` } })).items.map((listed) => listed.id)).toEqual([leadId]);
    expect((await client.send(exportLead, { params: { leadId } })).headers.get('content-disposition')).toContain(leadId);

    const template = await client.call(createTemplate, { body: { name: `Client ${run}`, subject: 'Hi {{ lead.firstName | "there" }}', html: '<p>Hello</p>' } });
    await client.call(updateTemplate, { params: { templateId: template.templateId }, body: { name: `Client ${run}`, subject: 'Hi again', html: '<p>Hello</p>' } });
    expect((await client.call(getTemplate, { params: { templateId: template.templateId } })).versions).toHaveLength(2);
    expect((await client.call(getTemplateVersion, { params: { templateId: template.templateId, version: 1 } })).subject).toContain('Hi');
    expect((await client.call(previewTemplate, { params: { templateId: template.templateId }, body: { leadId } })).rendered.subject).toBe('Hi again');
    expect((await client.call(listTemplates, {})).items.map((listed) => listed.templateId)).toContain(template.templateId);

    const segment = await client.call(createSegment, { body: { name: `Client ${run}`, where: { lead: { industry: [`Client-${run}`] } } } });
    expect((await client.call(getSegment, { params: { segmentId: segment.id } })).version).toBe(1);
    expect((await client.call(previewSegment, { params: { segmentId: segment.id } })).audience.count).toBe(1);
    expect((await client.call(listSegments, {})).items.map((listed) => listed.id)).toContain(segment.id);

    const campaign = await client.call(createCampaign, { body: { name: `Client ${run}`, subscription: 'newsletter', segmentId: segment.id, template: { templateId: template.templateId } } });
    expect((await client.call(getCampaign, { params: { campaignId: campaign.id } })).status).toBe('draft');
    expect((await client.call(getCampaignReport, { params: { campaignId: campaign.id } })).sent).toBe(0);
    expect((await client.call(previewCampaign, { params: { campaignId: campaign.id }, query: { leadId } })).wouldReceive).toBeTypeOf('boolean');

    const rulesets = await client.call(listRulesets, {});
    const active = rulesets.active ?? '';
    expect((await client.call(getRuleset, { params: { version: active } })).status).toBe('active');
    expect((await client.call(diffRuleset, { params: { version: active } })).added).toEqual([]);
    expect((await client.call(listSuppressions, {})).items).toBeInstanceOf(Array);
    expect((await client.call(getSalesReasons, {})).reject.length).toBeGreaterThan(0);
    expect((await client.call(getHandoffReport, {})).funnel.length).toBeGreaterThan(0);
  });

  it('drafts, publishes and reports a journey, and enrols and moves its leads by hand, as the declarations say', async () => {
    const run = randomUUID().slice(0, 8);
    const { leadId = '' } = await client.call(submitForm, { params: { formId: 'contact' }, headers: { 'idempotency-key': `journey-${run}` }, body: { email: `journey-${run}@example.com` } });
    const journey = await client.call(createJourney, { body: { name: `By hand ${run}`, entry: { kind: 'manual' }, steps: [{ id: 'pause', type: 'wait', duration: { days: 1 } }] } });
    try {
      expect((await client.call(publishJourney, { params: { journeyId: journey.id } })).version).toBe(1);
      expect(await client.call(enrolInJourney, { params: { journeyId: journey.id }, body: { leadId } })).toEqual({ journeyId: journey.id, leadId, status: 'requested' });
      const stranger = randomUUID();
      expect((await client.call(moveJourneyEnrolments, { params: { journeyId: journey.id }, body: { leadIds: [stranger] } })).leads).toEqual([{ leadId: stranger, outcome: 'not-enrolled' }]);
      expect(await client.call(getJourneyMoveAll, { params: { journeyId: journey.id } }).catch((caught: unknown) => caught)).toMatchObject({ status: 404 });
      expect((await client.call(getJourneyReport, { params: { journeyId: journey.id } })).status).toBe('published');
    } finally {
      await client.call(archiveJourney, { params: { journeyId: journey.id } });
    }
  });

  it('turns a refusal into an ApiError naming the field', async () => {
    const error = await client.call(getCampaign, { params: { campaignId: 'nope' } }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, field: 'campaignId' });
  });
});
