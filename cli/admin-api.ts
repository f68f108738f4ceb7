import type { SegmentDefinition } from '../src/domain/segments/segment';
import type { Ruleset } from '../src/domain/scoring/ruleset';
import type { AdminResponse } from './admin-client';
import { CliError } from './errors';

/**
 * The admin operations the CLI calls, one method each. Commands depend on this interface only, so
 * the transport behind it (today `AdminClient`'s requests) can change in this one file. Every method
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

  getCampaign(campaignId: string): Promise<AdminResponse>;
  getCampaignReport(campaignId: string): Promise<AdminResponse>;
  sendCampaign(campaignId: string): Promise<AdminResponse>;
  scheduleCampaign(campaignId: string, schedule: { sendAt: string; timeZone: string }): Promise<AdminResponse>;
  unscheduleCampaign(campaignId: string): Promise<AdminResponse>;
  controlCampaign(campaignId: string, control: 'pause' | 'resume' | 'cancel'): Promise<AdminResponse>;

  /** One page; `cursor` is the previous page's `nextCursor`. */
  listTemplates(cursor?: string): Promise<AdminResponse>;
  createTemplate(template: TemplateContent): Promise<AdminResponse>;
  addTemplateVersion(templateId: string, template: TemplateContent): Promise<AdminResponse>;

  /** One page; `cursor` is the previous page's `nextCursor`. */
  listSegments(cursor?: string): Promise<AdminResponse>;
  createSegment(segment: SegmentDefinition): Promise<AdminResponse>;
  saveSegmentVersion(segmentId: string, segment: SegmentDefinition): Promise<AdminResponse>;
  previewSegment(segmentId: string, subscription?: string): Promise<AdminResponse>;
  previewSegmentDefinition(rule: Pick<SegmentDefinition, 'where' | 'history'> & { subscription?: string }): Promise<AdminResponse>;

  recordPurchases(purchases: readonly Record<string, unknown>[]): Promise<AdminResponse>;

  getRouting(): Promise<AdminResponse>;
  putRouting(routing: unknown): Promise<AdminResponse>;

  addWebhook(webhook: { url: string; eventTypes: string[]; description?: string }): Promise<AdminResponse>;
  /** One page; `cursor` is the previous page's `nextCursor`. */
  listWebhooks(cursor?: string): Promise<AdminResponse>;
  rotateWebhookSecret(webhookId: string, rotation: { overlapHours?: number }): Promise<AdminResponse>;
  removeWebhook(webhookId: string): Promise<AdminResponse>;

  exportLead(leadId: string): Promise<AdminResponse>;
  eraseLead(leadId: string): Promise<AdminResponse>;
  leadFeedback(leadId: string, feedback: LeadFeedback): Promise<AdminResponse>;

  getHandoffReport(months: { from?: string; to?: string }): Promise<AdminResponse>;
}

export interface TemplateContent {
  readonly name: string;
  readonly subject: string;
  readonly html: string;
  readonly text?: string;
}

export interface LeadFeedback {
  readonly action: string;
  readonly actor: string;
  readonly reason?: string;
  readonly amount?: number;
  readonly currency?: string;
  readonly billingFrequency?: string;
}

/** Anything that sends an authenticated admin request, as `AdminClient` does. */
export interface AdminRequester {
  request(method: string, path: string, body?: unknown): Promise<AdminResponse>;
}

const segment = (id: string) => `/v1/admin/segments/${encodeURIComponent(id)}`;
const ruleset = (version: string) => `/v1/admin/rulesets/${encodeURIComponent(version)}`;
const campaign = (id: string) => `/v1/admin/campaigns/${encodeURIComponent(id)}`;
const webhook = (id: string) => `/v1/admin/webhooks/${encodeURIComponent(id)}`;
const lead = (id: string) => `/v1/admin/leads/${encodeURIComponent(id)}`;
const withQuery = (path: string, query: Record<string, string | undefined>) => {
  const search = new URLSearchParams(Object.entries(query).filter((entry): entry is [string, string] => entry[1] !== undefined)).toString();
  return search ? `${path}?${search}` : path;
};

/** The admin API over HTTP: each operation is its route's request. */
export function adminApiOverHttp(client: AdminRequester): AdminApi {
  return {
    listRulesets: (cursor) => client.request('GET', withQuery('/v1/admin/rulesets', { cursor })),
    getRuleset: (version) => client.request('GET', ruleset(version)),
    saveRulesetDraft: (draft) => client.request('PUT', ruleset(draft.version), draft),
    backtestRuleset: (version, window) => client.request('POST', `${ruleset(version)}/backtest`, window),
    activateRuleset: (version) => client.request('POST', `${ruleset(version)}/activate`),
    getRescoringJob: (jobId) => client.request('GET', `/v1/admin/rescoring/${encodeURIComponent(jobId)}`),

    getCampaign: (id) => client.request('GET', campaign(id)),
    getCampaignReport: (id) => client.request('GET', `${campaign(id)}/report`),
    sendCampaign: (id) => client.request('POST', `${campaign(id)}/send`),
    scheduleCampaign: (id, schedule) => client.request('POST', `${campaign(id)}/schedule`, schedule),
    unscheduleCampaign: (id) => client.request('POST', `${campaign(id)}/unschedule`),
    controlCampaign: (id, control) => client.request('POST', `${campaign(id)}/${control}`),

    listTemplates: (cursor) => client.request('GET', withQuery('/v1/admin/templates', { cursor })),
    createTemplate: (template) => client.request('POST', '/v1/admin/templates', template),
    addTemplateVersion: (id, template) => client.request('PUT', `/v1/admin/templates/${encodeURIComponent(id)}`, template),

    listSegments: (cursor) => client.request('GET', withQuery('/v1/admin/segments', { cursor })),
    createSegment: (definition) => client.request('POST', '/v1/admin/segments', definition),
    saveSegmentVersion: (id, definition) => client.request('PUT', segment(id), definition),
    previewSegment: (id, subscription) => client.request('GET', withQuery(`${segment(id)}/preview`, { subscription })),
    previewSegmentDefinition: (rule) => client.request('POST', '/v1/admin/segments/preview', rule),

    recordPurchases: (purchases) => client.request('POST', '/v1/admin/purchases', { purchases }),

    getRouting: () => client.request('GET', '/v1/admin/routing'),
    putRouting: (routing) => client.request('PUT', '/v1/admin/routing', routing),

    addWebhook: (hook) => client.request('POST', '/v1/admin/webhooks', hook),
    listWebhooks: (cursor) => client.request('GET', withQuery('/v1/admin/webhooks', { cursor })),
    rotateWebhookSecret: (id, rotation) => client.request('POST', `${webhook(id)}/secret`, rotation),
    removeWebhook: (id) => client.request('DELETE', webhook(id)),

    exportLead: (id) => client.request('GET', `${lead(id)}/export`),
    eraseLead: (id) => client.request('DELETE', lead(id)),
    leadFeedback: (id, feedback) => client.request('POST', `${lead(id)}/feedback`, feedback),

    getHandoffReport: (months) => client.request('GET', withQuery('/v1/admin/reports/handoff', months)),
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
