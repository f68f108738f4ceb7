import type { SubscriptionType } from '../src/domain/subscriptions';
import type { SegmentDefinition } from '../src/domain/segments/segment';
import type { CampaignDefinition } from '../src/domain/campaigns/campaign';
import type { Ruleset } from '../src/domain/scoring/ruleset';
import type { FormDefinitionInput } from '../src/domain/forms/definition';
import { createForm, getForm, getFormVersion, listForms, saveForm } from '../functions/manage-forms/routes';
import { backtestRuleset } from '../functions/backtest-ruleset/routes';
import { getHandoffReport } from '../functions/handoff-reports/routes';
import { eraseLead, exportLead } from '../functions/lead-data-rights/routes';
import { backfillConsentIndex, backfillScoreBands, listLeads } from '../functions/list-leads/routes';
import { createChatSource, deleteChatSource, listChatSources, rotateChatSourceSecret } from '../functions/manage-chat-sources/routes';
import { createCampaign, getCampaign, getCampaignReport, listCampaigns, previewCampaign } from '../functions/manage-campaigns/routes';
import { cancelCampaign, pauseCampaign, resumeCampaign, scheduleCampaign, sendCampaign, testCampaign, unscheduleCampaign } from '../functions/control-campaigns/routes';
import { deleteSubscriptionType, getSendPolicy, getSubscriptionTypes, replaceSendPolicy, replaceSubscriptionTypes } from '../functions/manage-send-settings/routes';
import { getRouting, replaceRouting } from '../functions/manage-routing/routes';
import { activateRuleset, getRescoringJob, getRuleset, listRulesets, saveRulesetDraft } from '../functions/manage-rulesets/routes';
import { createSegment, getSegment, listSegments, previewSegment, previewSegmentDefinition, updateSegment } from '../functions/manage-segments/routes';
import { createTemplate, getTemplate, getTemplateVersion, listTemplates, testTemplate, updateTemplate } from '../functions/manage-templates/routes';
import { createSource, listSources, revokeSourceKeys, rotateSourceKey, updateSource } from '../functions/manage-sources/routes';
import { archiveJourney, createJourney, getJourney, getJourneyReport, listJourneys, pauseJourney, publishJourney, resumeJourney, saveJourneyDraft, validateJourneyDefinition } from '../functions/manage-journeys/routes';
import { enrolInJourney, getJourneyMoveAll, moveAllJourneyEnrolments, moveJourneyEnrolments } from '../functions/manage-journey-enrolments/routes';
import type { JourneyDefinitionInput } from '../src/domain/journeys/definition';
import { createWebhook, deleteWebhook, listWebhookChoices, listWebhooks, rotateWebhookSecret } from '../functions/manage-webhooks/routes';
import { disableUser, enableUser, inviteUser, listUsers, setUserRole } from '../functions/manage-users/routes';
import { recordPurchases } from '../functions/record-purchases/routes';
import { giveFeedback } from '../functions/sales-feedback/routes';
import { backfillReassessmentTimers, churnCustomer, getCareReport, getCustomerCare, recordTickets, requestSurvey } from '../functions/manage-customer-care/routes';
import { connectHelpDesk, getCareSettings, getRiskFormula, mapHelpDeskRequesters, replaceCareSettings, saveRiskFormula } from '../functions/manage-care-settings/routes';
import { ApiError, type ApiClient } from '../src/api/client';
import type { RouteDeclaration, RouteRequest } from '../src/http/routes';
import type { AdminResponse } from './api-auth';
import { CliError } from './errors';

/**
 * The admin operations the CLI calls, one method each. Commands depend on this interface only, so
 * the transport behind it (the typed client derived from the route declarations) is wired in this one file. Every method
 * answers with the status and body whatever the status: the command decides what a 409 or a 503
 * means, and `expectOk` refuses the rest with the API's message and fields.
 */
export interface AdminApi {
  /** One page; `cursor` is the previous page's `nextCursor`. */
  listRulesets(cursor?: string): Promise<AdminResponse>;
  getRuleset(version: string): Promise<AdminResponse>;
  saveRulesetDraft(ruleset: Ruleset): Promise<AdminResponse>;
  backtestRuleset(version: string, window: { from?: string; to?: string }): Promise<AdminResponse>;
  activateRuleset(version: string): Promise<AdminResponse>;
  getRescoringJob(jobId: string): Promise<AdminResponse>;

  /** One page; `cursor` is the previous page's `nextCursor`. */
  listCampaigns(cursor?: string): Promise<AdminResponse>;
  createCampaign(definition: CampaignDefinition): Promise<AdminResponse>;
  getCampaign(campaignId: string): Promise<AdminResponse>;
  previewCampaign(campaignId: string, leadId?: string): Promise<AdminResponse>;
  testCampaign(campaignId: string, request: { to: string[]; leadId?: string }): Promise<AdminResponse>;
  getCampaignReport(campaignId: string): Promise<AdminResponse>;
  sendCampaign(campaignId: string): Promise<AdminResponse>;
  scheduleCampaign(campaignId: string, schedule: { sendAt: string; timeZone: string }): Promise<AdminResponse>;
  unscheduleCampaign(campaignId: string): Promise<AdminResponse>;
  controlCampaign(campaignId: string, control: 'pause' | 'resume' | 'cancel'): Promise<AdminResponse>;

  /** One page; `cursor` is the previous page's `nextCursor`. */
  listTemplates(cursor?: string): Promise<AdminResponse>;
  /** The latest version, or the one named. */
  getTemplate(templateId: string, version?: number): Promise<AdminResponse>;
  createTemplate(template: TemplateContent): Promise<AdminResponse>;
  addTemplateVersion(templateId: string, template: TemplateContent): Promise<AdminResponse>;
  testTemplate(templateId: string, request: { to: string[]; leadId?: string; version?: number; subscription?: SubscriptionType }): Promise<AdminResponse>;

  /** One page; `cursor` is the previous page's `nextCursor`. */
  listSegments(cursor?: string): Promise<AdminResponse>;
  getSegment(segmentId: string): Promise<AdminResponse>;
  createSegment(segment: SegmentDefinition): Promise<AdminResponse>;
  saveSegmentVersion(segmentId: string, segment: SegmentDefinition): Promise<AdminResponse>;
  previewSegment(segmentId: string, subscription?: string): Promise<AdminResponse>;
  previewSegmentDefinition(rule: Pick<SegmentDefinition, 'where' | 'history'> & { subscription?: string }): Promise<AdminResponse>;

  recordPurchases(purchases: readonly Record<string, unknown>[]): Promise<AdminResponse>;

  getRouting(): Promise<AdminResponse>;
  putRouting(routing: unknown): Promise<AdminResponse>;

  getSendPolicy(): Promise<AdminResponse>;
  putSendPolicy(policy: unknown): Promise<AdminResponse>;
  getSubscriptionTypes(): Promise<AdminResponse>;
  putSubscriptionTypes(catalogue: unknown): Promise<AdminResponse>;
  deleteSubscriptionType(typeId: string, version: number): Promise<AdminResponse>;
  getCareSettings(): Promise<AdminResponse>;
  putCareSettings(settings: unknown): Promise<AdminResponse>;
  getRiskFormula(): Promise<AdminResponse>;
  saveRiskFormula(formula: unknown, expectedVersion: number): Promise<AdminResponse>;
  recordTickets(tickets: readonly Record<string, unknown>[]): Promise<AdminResponse>;
  requestSurvey(surveyId: string, request: { leadIds: string[]; requestId: string }): Promise<AdminResponse>;
  connectHelpDesk(helpDesk: { kind: string; secret?: string }): Promise<AdminResponse>;
  mapHelpDeskRequesters(requesters: readonly Record<string, unknown>[]): Promise<AdminResponse>;
  churnCustomer(leadId: string, churn: { reason: string; actor: string }): Promise<AdminResponse>;
  getCustomerCare(leadId: string): Promise<AdminResponse>;
  getCareReport(months: { from?: string; to?: string }): Promise<AdminResponse>;
  /** One page of the timer backfill; `cursor` is the previous page's. */
  backfillReassessmentTimers(page: { cursor?: string; limit?: number }): Promise<AdminResponse>;
  backfillScoreBands(page: { cursor?: string }): Promise<AdminResponse>;
  backfillConsentIndex(page: { cursor?: string }): Promise<AdminResponse>;

  addWebhook(webhook: { url: string; eventTypes: string[]; description?: string }): Promise<AdminResponse>;
  /** One page; `cursor` is the previous page's `nextCursor`. */
  listWebhooks(cursor?: string): Promise<AdminResponse>;
  /** One page of the endpoints as a journey's webhook step names them (host only); `cursor` as for `listWebhooks`. */
  listWebhookChoices(cursor?: string): Promise<AdminResponse>;
  rotateWebhookSecret(webhookId: string, rotation: { overlapHours?: number }): Promise<AdminResponse>;
  removeWebhook(webhookId: string): Promise<AdminResponse>;

  listUsers(): Promise<AdminResponse>;
  inviteUser(user: { user: string; name: string; email: string; role: string }): Promise<AdminResponse>;
  setUserRole(user: string, role: string): Promise<AdminResponse>;
  setUserEnabled(user: string, enabled: boolean): Promise<AdminResponse>;

  addChatSource(source: { id: string; kind: string; secret?: string; mapping?: Record<string, string>; description?: string }): Promise<AdminResponse>;
  /** One page; `cursor` is the previous page's `nextCursor`. */
  listChatSources(cursor?: string): Promise<AdminResponse>;
  rotateChatSourceSecret(sourceId: string, rotation: { secret?: string; overlapHours?: number }): Promise<AdminResponse>;
  removeChatSource(sourceId: string): Promise<AdminResponse>;
  addSource(source: { name: string; origins: string[] }): Promise<AdminResponse>;
  updateSource(sourceId: string, source: { name: string; origins: string[] }): Promise<AdminResponse>;
  /** One page; `cursor` is the previous page's `nextCursor`. */
  listSources(cursor?: string): Promise<AdminResponse>;
  rotateSourceKey(sourceId: string, rotation: { graceHours?: number }): Promise<AdminResponse>;
  revokeSourceKeys(sourceId: string, revocation: { writeKey?: string }): Promise<AdminResponse>;

  /** One page of the leads matching `filter` (text, stage, grade, owner; by score with `sort`); `cursor` is the previous page's `nextCursor`. */
  findLeads(filter: LeadSearch, cursor?: string): Promise<AdminResponse>;
  exportLead(leadId: string): Promise<AdminResponse>;
  eraseLead(leadId: string): Promise<AdminResponse>;
  leadFeedback(leadId: string, feedback: LeadFeedback): Promise<AdminResponse>;

  getHandoffReport(months: { from?: string; to?: string }): Promise<AdminResponse>;

  /** One page; `cursor` is the previous page's `nextCursor`. */
  listForms(cursor?: string): Promise<AdminResponse>;
  /** The latest version, or the one named. */
  getForm(formId: string, version?: number): Promise<AdminResponse>;
  createForm(formId: string, definition: FormDefinitionInput): Promise<AdminResponse>;
  saveForm(formId: string, definition: FormDefinitionInput): Promise<AdminResponse>;

  /** One page; `cursor` is the previous page's `nextCursor`. */
  listJourneys(cursor?: string): Promise<AdminResponse>;
  getJourney(journeyId: string): Promise<AdminResponse>;
  validateJourney(definition: JourneyDefinitionInput): Promise<AdminResponse>;
  createJourney(definition: JourneyDefinitionInput): Promise<AdminResponse>;
  saveJourneyDraft(journeyId: string, definition: JourneyDefinitionInput): Promise<AdminResponse>;
  publishJourney(journeyId: string): Promise<AdminResponse>;
  controlJourney(journeyId: string, control: 'pause' | 'resume' | 'archive'): Promise<AdminResponse>;
  enrolInJourney(journeyId: string, leadId: string): Promise<AdminResponse>;
  moveJourneyEnrolments(journeyId: string, leadIds: readonly string[], version?: number): Promise<AdminResponse>;
  /** One call of the move of every enrolled lead: 202 while it goes on, 200 when done. */
  moveAllJourneyEnrolments(journeyId: string, version?: number): Promise<AdminResponse>;
  getJourneyMoveAll(journeyId: string): Promise<AdminResponse>;
  getJourneyReport(journeyId: string): Promise<AdminResponse>;
}

export interface TemplateContent {
  readonly name: string;
  readonly subject: string;
  readonly html: string;
  readonly text?: string;
}

/** What `leads find` asks for: the API checks each value and names the one at fault. */
export interface LeadSearch {
  readonly q?: string;
  readonly stage?: string;
  readonly grade?: string;
  readonly owner?: string;
  readonly sort?: 'score';
}

export interface LeadFeedback {
  readonly action: string;
  readonly actor: string;
  readonly reason?: string;
  readonly amount?: number;
  readonly currency?: string;
  readonly billingFrequency?: string;
}

/** An answer as the commands read it: an error answer is an outcome too, not a throw. */
async function outcome(sending: Promise<{ readonly status: number; readonly body: unknown }>): Promise<AdminResponse> {
  try {
    const { status, body } = await sending;
    return { status, body };
  } catch (error) {
    // A 2xx whose body breaks its declaration stays an error: the CLI and the API disagree.
    if (error instanceof ApiError && error.status >= 400) return { status: error.status, body: error.body };
    throw error;
  }
}

/**
 * What the user typed, sent as the route's body or query: the CLI checks files offline where it can,
 * and the API checks the rest and names the field at fault, which the command prints.
 */
type UserInput<Route extends RouteDeclaration, Part extends 'body' | 'query'> = NonNullable<RouteRequest<Route>[Part & keyof RouteRequest<Route>]>;
const asSent = <Route extends RouteDeclaration, Part extends 'body' | 'query'>(_route: Route, _part: Part, value: unknown) => value as UserInput<Route, Part>;

const CAMPAIGN_CONTROLS = { pause: pauseCampaign, resume: resumeCampaign, cancel: cancelCampaign } as const;
const JOURNEY_CONTROLS = { pause: pauseJourney, resume: resumeJourney, archive: archiveJourney } as const;

/** The admin API through the typed client derived from the route declarations. */
export function adminApiOverClient(client: ApiClient): AdminApi {
  return {
    listRulesets: (cursor) => outcome(client.send(listRulesets, { query: { cursor } })),
    getRuleset: (version) => outcome(client.send(getRuleset, { params: { version } })),
    saveRulesetDraft: (draft) => outcome(client.send(saveRulesetDraft, { params: { version: draft.version }, body: draft })),
    backtestRuleset: (version, window) => outcome(client.send(backtestRuleset, { params: { version }, body: window })),
    activateRuleset: (version) => outcome(client.send(activateRuleset, { params: { version } })),
    getRescoringJob: (jobId) => outcome(client.send(getRescoringJob, { params: { jobId } })),

    listCampaigns: (cursor) => outcome(client.send(listCampaigns, { query: { cursor } })),
    createCampaign: (definition) => outcome(client.send(createCampaign, { body: definition })),
    getCampaign: (campaignId) => outcome(client.send(getCampaign, { params: { campaignId } })),
    previewCampaign: (campaignId, leadId) => outcome(client.send(previewCampaign, { params: { campaignId }, query: { leadId } })),
    testCampaign: (campaignId, request) => outcome(client.send(testCampaign, { params: { campaignId }, body: request })),
    getCampaignReport: (campaignId) => outcome(client.send(getCampaignReport, { params: { campaignId } })),
    sendCampaign: (campaignId) => outcome(client.send(sendCampaign, { params: { campaignId } })),
    scheduleCampaign: (campaignId, schedule) => outcome(client.send(scheduleCampaign, { params: { campaignId }, body: schedule })),
    unscheduleCampaign: (campaignId) => outcome(client.send(unscheduleCampaign, { params: { campaignId } })),
    controlCampaign: (campaignId, control) => outcome(client.send(CAMPAIGN_CONTROLS[control], { params: { campaignId } })),

    listTemplates: (cursor) => outcome(client.send(listTemplates, { query: { cursor } })),
    getTemplate: (templateId, version) => outcome(version === undefined ? client.send(getTemplate, { params: { templateId } }) : client.send(getTemplateVersion, { params: { templateId, version } })),
    createTemplate: (template) => outcome(client.send(createTemplate, { body: template })),
    addTemplateVersion: (templateId, template) => outcome(client.send(updateTemplate, { params: { templateId }, body: template })),
    testTemplate: (templateId, request) => outcome(client.send(testTemplate, { params: { templateId }, body: request })),

    listSegments: (cursor) => outcome(client.send(listSegments, { query: { cursor } })),
    getSegment: (segmentId) => outcome(client.send(getSegment, { params: { segmentId } })),
    createSegment: (definition) => outcome(client.send(createSegment, { body: definition })),
    saveSegmentVersion: (segmentId, definition) => outcome(client.send(updateSegment, { params: { segmentId }, body: definition })),
    previewSegment: (segmentId, subscription) => outcome(client.send(previewSegment, { params: { segmentId }, query: asSent(previewSegment, 'query', { subscription }) })),
    previewSegmentDefinition: (rule) => outcome(client.send(previewSegmentDefinition, { body: asSent(previewSegmentDefinition, 'body', rule) })),

    recordPurchases: (purchases) => outcome(client.send(recordPurchases, { body: asSent(recordPurchases, 'body', { purchases }) })),

    getRouting: () => outcome(client.send(getRouting, {})),
    putRouting: (routing) => outcome(client.send(replaceRouting, { body: asSent(replaceRouting, 'body', routing) })),

    getSendPolicy: () => outcome(client.send(getSendPolicy, {})),
    putSendPolicy: (policy) => outcome(client.send(replaceSendPolicy, { body: asSent(replaceSendPolicy, 'body', policy) })),
    getSubscriptionTypes: () => outcome(client.send(getSubscriptionTypes, {})),
    putSubscriptionTypes: (catalogue) => outcome(client.send(replaceSubscriptionTypes, { body: asSent(replaceSubscriptionTypes, 'body', catalogue) })),
    deleteSubscriptionType: (typeId, version) => outcome(client.send(deleteSubscriptionType, { params: { typeId }, query: { version: String(version) } })),
    getCareSettings: () => outcome(client.send(getCareSettings, {})),
    putCareSettings: (settings) => outcome(client.send(replaceCareSettings, { body: asSent(replaceCareSettings, 'body', settings) })),
    getRiskFormula: () => outcome(client.send(getRiskFormula, {})),
    saveRiskFormula: (formula, expectedVersion) => outcome(client.send(saveRiskFormula, { body: asSent(saveRiskFormula, 'body', { formula, expectedVersion }) })),
    recordTickets: (tickets) => outcome(client.send(recordTickets, { body: asSent(recordTickets, 'body', { tickets }) })),
    requestSurvey: (surveyId, request) => outcome(client.send(requestSurvey, { params: { surveyId }, body: request })),
    connectHelpDesk: (helpDesk) => outcome(client.send(connectHelpDesk, { body: asSent(connectHelpDesk, 'body', helpDesk) })),
    mapHelpDeskRequesters: (requesters) => outcome(client.send(mapHelpDeskRequesters, { body: asSent(mapHelpDeskRequesters, 'body', { kind: 'zendesk', requesters }) })),
    churnCustomer: (leadId, churn) => outcome(client.send(churnCustomer, { params: { leadId }, body: churn })),
    getCustomerCare: (leadId) => outcome(client.send(getCustomerCare, { params: { leadId } })),
    getCareReport: (months) => outcome(client.send(getCareReport, { query: months })),
    backfillReassessmentTimers: (page) => outcome(client.send(backfillReassessmentTimers, { body: page })),
    backfillScoreBands: (page) => outcome(client.send(backfillScoreBands, { body: page })),
    backfillConsentIndex: (page) => outcome(client.send(backfillConsentIndex, { body: page })),

    addWebhook: (hook) => outcome(client.send(createWebhook, { body: asSent(createWebhook, 'body', hook) })),
    listWebhooks: (cursor) => outcome(client.send(listWebhooks, { query: { cursor } })),
    listWebhookChoices: (cursor) => outcome(client.send(listWebhookChoices, { query: { cursor } })),
    rotateWebhookSecret: (webhookId, rotation) => outcome(client.send(rotateWebhookSecret, { params: { webhookId }, body: rotation })),
    removeWebhook: (webhookId) => outcome(client.send(deleteWebhook, { params: { webhookId } })),

    listUsers: () => outcome(client.send(listUsers, {})),
    inviteUser: (user) => outcome(client.send(inviteUser, { body: asSent(inviteUser, 'body', user) })),
    setUserRole: (user, role) => outcome(client.send(setUserRole, { params: { user }, body: asSent(setUserRole, 'body', { role }) })),
    setUserEnabled: (user, enabled) => outcome(client.send(enabled ? enableUser : disableUser, { params: { user } })),

    addChatSource: (source) => outcome(client.send(createChatSource, { body: asSent(createChatSource, 'body', source) })),
    listChatSources: (cursor) => outcome(client.send(listChatSources, { query: { cursor } })),
    rotateChatSourceSecret: (sourceId, rotation) => outcome(client.send(rotateChatSourceSecret, { params: { sourceId }, body: rotation })),
    removeChatSource: (sourceId) => outcome(client.send(deleteChatSource, { params: { sourceId } })),
    addSource: (source) => outcome(client.send(createSource, { body: source })),
    updateSource: (sourceId, source) => outcome(client.send(updateSource, { params: { sourceId }, body: source })),
    listSources: (cursor) => outcome(client.send(listSources, { query: { cursor } })),
    rotateSourceKey: (sourceId, rotation) => outcome(client.send(rotateSourceKey, { params: { sourceId }, body: asSent(rotateSourceKey, 'body', rotation) })),
    revokeSourceKeys: (sourceId, revocation) => outcome(client.send(revokeSourceKeys, { params: { sourceId }, body: revocation })),

    findLeads: (filter, cursor) => outcome(client.send(listLeads, { query: asSent(listLeads, 'query', { ...filter, ...(cursor ? { cursor } : {}) }) })),
    exportLead: (leadId) => outcome(client.send(exportLead, { params: { leadId } })),
    eraseLead: (leadId) => outcome(client.send(eraseLead, { params: { leadId } })),
    leadFeedback: (leadId, feedback) => outcome(client.send(giveFeedback, { params: { leadId }, body: asSent(giveFeedback, 'body', feedback) })),

    getHandoffReport: (months) => outcome(client.send(getHandoffReport, { query: months })),

    listForms: (cursor) => outcome(client.send(listForms, { query: { cursor } })),
    getForm: (formId, version) => outcome(version === undefined ? client.send(getForm, { params: { formId } }) : client.send(getFormVersion, { params: { formId, version } })),
    createForm: (formId, definition) => outcome(client.send(createForm, { body: { formId, definition } })),
    saveForm: (formId, definition) => outcome(client.send(saveForm, { params: { formId }, body: definition })),

    listJourneys: (cursor) => outcome(client.send(listJourneys, { query: { cursor } })),
    getJourney: (journeyId) => outcome(client.send(getJourney, { params: { journeyId } })),
    validateJourney: (definition) => outcome(client.send(validateJourneyDefinition, { body: definition })),
    createJourney: (definition) => outcome(client.send(createJourney, { body: definition })),
    saveJourneyDraft: (journeyId, definition) => outcome(client.send(saveJourneyDraft, { params: { journeyId }, body: definition })),
    publishJourney: (journeyId) => outcome(client.send(publishJourney, { params: { journeyId } })),
    controlJourney: (journeyId, control) => outcome(client.send(JOURNEY_CONTROLS[control], { params: { journeyId } })),
    enrolInJourney: (journeyId, leadId) => outcome(client.send(enrolInJourney, { params: { journeyId }, body: { leadId } })),
    moveJourneyEnrolments: (journeyId, leadIds, version) => outcome(client.send(moveJourneyEnrolments, { params: { journeyId }, body: { leadIds: [...leadIds], ...(version === undefined ? {} : { version }) } })),
    moveAllJourneyEnrolments: (journeyId, version) => outcome(client.send(moveAllJourneyEnrolments, { params: { journeyId }, body: version === undefined ? {} : { version } })),
    getJourneyMoveAll: (journeyId) => outcome(client.send(getJourneyMoveAll, { params: { journeyId } })),
    getJourneyReport: (journeyId) => outcome(client.send(getJourneyReport, { params: { journeyId } })),
  };
}

/** The body of a 2xx answer; any other answer refused with its message and each field at fault. */
export function expectOk(response: AdminResponse, doing: string): Record<string, unknown> {
  if (response.status >= 200 && response.status < 300) return response.body as Record<string, unknown>;
  const body = (typeof response.body === 'object' && response.body !== null ? response.body : { message: String(response.body) }) as { message?: string; issues?: { field: string; message: string }[] };
  const issues = (body.issues ?? []).map((issue) => `  ${issue.field}: ${issue.message}`);
  throw new CliError([`${doing} failed (${response.status}): ${body.message ?? 'no message'}`, ...issues].join('\n'));
}

/** Every item of an admin list, which answers a page at a time: each page's `nextCursor` asks for the next. */
export async function everyItem<T>(listPage: (cursor?: string) => Promise<AdminResponse>, doing: string): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = expectOk(await listPage(cursor), doing);
    items.push(...(page.items as T[]));
    cursor = typeof page.nextCursor === 'string' ? page.nextCursor : undefined;
  } while (cursor);
  return items;
}
